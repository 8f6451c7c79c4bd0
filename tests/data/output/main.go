package main

import "fmt"

type Config struct {
	Name string
	Tags map[string]string
}

func count(words []string) map[string]int {
	var counts map[string]int
	for _, w := range words {
		counts[w]++
	}
	return counts
}

func main() {
	c := Config{Name: "x"}
	c.Tags["env"] = "prod"
	fmt.Println(count(nil), c)
}

// Non-ASCII text before the write: byte and UTF-16 columns differ.
func unicode() {
	var é map[string]int
	_ = "𝄞"; é["ß"] = 1
}
