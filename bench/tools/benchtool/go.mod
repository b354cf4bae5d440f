module servicekit.dev/bench/benchtool

go 1.19
