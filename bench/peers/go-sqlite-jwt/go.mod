module servicekit.dev/bench/go-sqlite-jwt

go 1.19

require (
	github.com/golang-jwt/jwt/v4 v4.4.3
	github.com/mattn/go-sqlite3 v1.14.16
)

// Built offline from Debian's packages (golang-github-golang-jwt-jwt-dev, golang-github-mattn-go-sqlite3-dev),
// which install the sources under /usr/share/gocode; bench/run.sh builds with GOPROXY=off.
replace (
	github.com/golang-jwt/jwt/v4 => /usr/share/gocode/src/github.com/golang-jwt/jwt
	github.com/mattn/go-sqlite3 => /usr/share/gocode/src/github.com/mattn/go-sqlite3
)
