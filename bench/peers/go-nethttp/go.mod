module servicekit.dev/bench/go-nethttp

go 1.19
