package p
func f(){for{for{for{for{for{for{for{for{for{for{for{for{for{for{for{for{for{for{for{for{}}}}}}}}}}}}}}}}}}}}}
