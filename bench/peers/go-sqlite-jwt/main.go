// Command go-sqlite-jwt is the benchmark's like-for-like Go peer for users-service on its shipped defaults
// (SPEC §15): the same API subset as go-nethttp (GET /api/v1/users/{id}, GET /api/v1/users?limit=N,
// POST /api/v1/users) on net/http and encoding/json, with the users in SQLite (github.com/mattn/go-sqlite3,
// WAL, synchronous=FULL: every create is one autocommit INSERT and one fsync of the WAL before its 201),
// every request checked for an HS256 bearer token (github.com/golang-jwt/jwt/v4) with the claim rules of
// users-service, and one access log line per request. Plain, idiomatic Go: database/sql, one writer
// connection, prepared statements; nothing tuned beyond that.
//
// Environment:
//
//	PORT             listen on 127.0.0.1:$PORT (default 8080)
//	DB               the SQLite file (default users.db); created with the table of users-service's V1 migration
//	JWT_SECRET_FILE  the base64 HS256 secret, the format of users-service's jwt-hs256.key (required)
//	JWT_ISSUER       the iss tokens must carry (default servicekit, as users-service's auth.issuer)
//	JWT_AUDIENCE     the aud tokens must carry (default api, as users-service's auth.audience)
//	ACCESS_LOG       "false" turns the access log (one line per request on stderr) off
//
// Built offline in module mode against Debian's packaged sources, which go.mod's replace directives name
// (bench/run.sh does this):
//
//	GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=1 go build -trimpath -o go-sqlite-jwt .
package main

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"mime"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/mattn/go-sqlite3"
)

const (
	basePath     = "/api/v1/users"
	defaultLimit = 50
	maxLimit     = 500
	maxBody      = 1 << 20
	maxToken     = 8 * 1024
	clockSkew    = 60 * time.Second
	scopeRead    = "users:read"
	scopeWrite   = "users:write"
)

const schema = `
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    email_key     TEXT    NOT NULL,
    roles         TEXT    NOT NULL,
    password_hash TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL CHECK (version >= 1)
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS users_email_key ON users (email_key);`

const columns = "id, name, email, roles, created_at, updated_at, version"

// User is the JSON view of a stored user; the same fields as users-service's UserView.
type User struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	Email     string   `json:"email"`
	Roles     []string `json:"roles"`
	CreatedAt string   `json:"createdAt"`
	UpdatedAt string   `json:"updatedAt"`
	version   int64
}

type userList struct {
	Items      []User  `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

type userInput struct {
	Name     *string  `json:"name"`
	Email    *string  `json:"email"`
	Roles    []string `json:"roles"`
	Password *string  `json:"password"`
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

type problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail"`
	Instance string       `json:"instance"`
	Errors   []fieldError `json:"errors,omitempty"`
}

var (
	emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s.]+$`)
	validRoles   = map[string]bool{"reader": true, "writer": true, "admin": true}
)

type server struct {
	getByID *sql.Stmt
	list    *sql.Stmt
	insert  *sql.Stmt
	auth    *authenticator
}

func main() {
	port := getenv("PORT", "8080")
	path := getenv("DB", "users.db")
	secretFile := os.Getenv("JWT_SECRET_FILE")
	if secretFile == "" {
		log.Fatal("JWT_SECRET_FILE is not set; set it to a file with a base64 HS256 secret (users-service's jwt-hs256.key)")
	}
	secret, err := readSecret(secretFile)
	if err != nil {
		log.Fatal(err)
	}

	dsn := "file:" + path + "?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=5000"
	// SQLite has one writer at a time: writes get a pool of one connection, reads a pool of their own.
	writer, err := sql.Open("sqlite3", dsn)
	if err != nil {
		log.Fatal(err)
	}
	writer.SetMaxOpenConns(1)
	if _, err := writer.Exec(schema); err != nil {
		log.Fatalf("creating the schema in %s: %v", path, err)
	}
	reader, err := sql.Open("sqlite3", dsn+"&mode=ro")
	if err != nil {
		log.Fatal(err)
	}
	reader.SetMaxOpenConns(4)
	reader.SetMaxIdleConns(4)

	s := &server{
		getByID: mustPrepare(reader, "SELECT "+columns+" FROM users WHERE id = ?"),
		list:    mustPrepare(reader, "SELECT "+columns+" FROM users WHERE id > ? ORDER BY id LIMIT ?"),
		insert: mustPrepare(writer, "INSERT INTO users (name, email, email_key, roles, password_hash, created_at, updated_at, version)"+
			" VALUES (?, ?, ?, ?, NULL, ?, ?, 1)"),
		auth: &authenticator{
			secret:   secret,
			issuer:   getenv("JWT_ISSUER", "servicekit"),
			audience: getenv("JWT_AUDIENCE", "api"),
			parser:   jwt.NewParser(jwt.WithValidMethods([]string{"HS256"})),
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc(basePath, s.collection)
	mux.HandleFunc(basePath+"/", s.item)
	var handler http.Handler = mux
	if os.Getenv("ACCESS_LOG") != "false" {
		handler = accessLog(handler)
	}
	log.Printf("go-sqlite-jwt listening on http://127.0.0.1:%s, users in %s", port, path)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, handler))
}

func getenv(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func mustPrepare(db *sql.DB, query string) *sql.Stmt {
	stmt, err := db.Prepare(query)
	if err != nil {
		log.Fatalf("preparing %q: %v", query, err)
	}
	return stmt
}

func readSecret(file string) ([]byte, error) {
	text, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading the JWT secret: %w", err)
	}
	secret, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(text)))
	if err != nil || len(secret) < 32 {
		return nil, fmt.Errorf("the JWT secret file %q must hold a base64 secret of at least 32 bytes", file)
	}
	return secret, nil
}

// ---------------------------------------------------------------------------------------------- auth

type authenticator struct {
	secret   []byte
	issuer   string
	audience string
	parser   *jwt.Parser
}

// claims are the registered claims plus the scopes; Valid applies users-service's rules: exp required,
// nbf and iat not in the future, all with 60 s of skew; iss and aud as configured; sub present.
type claims struct {
	jwt.RegisteredClaims
	Scope    string `json:"scope,omitempty"`
	issuer   string
	audience string
}

func (c *claims) Valid() error {
	now := time.Now()
	if c.ExpiresAt == nil {
		return errors.New("The access token has no expiry (exp)")
	}
	if !c.VerifyExpiresAt(now.Add(-clockSkew), true) {
		return errors.New("The access token has expired")
	}
	if !c.VerifyNotBefore(now.Add(clockSkew), false) {
		return errors.New("The access token is not valid yet (nbf)")
	}
	if !c.VerifyIssuedAt(now.Add(clockSkew), false) {
		return errors.New("The access token is issued in the future (iat)")
	}
	if !c.VerifyIssuer(c.issuer, true) {
		return errors.New("The access token has the wrong issuer (iss)")
	}
	if !c.VerifyAudience(c.audience, true) {
		return errors.New("The access token is not meant for this service (aud)")
	}
	if strings.TrimSpace(c.Subject) == "" {
		return errors.New("The access token has no subject (sub)")
	}
	return nil
}

// check answers 401/403 itself and returns false unless the request carries a valid token with scope.
func (a *authenticator) check(w http.ResponseWriter, r *http.Request, scope string) bool {
	header := r.Header.Values("Authorization")
	if len(header) > 1 {
		w.Header().Set("WWW-Authenticate", challenge("invalid_request", "More than one Authorization header"))
		sendProblem(w, r, http.StatusBadRequest, fmt.Sprintf("Send one Authorization header, not %d", len(header)), nil)
		return false
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(strings.Join(header, "")), " ")
	if !strings.EqualFold(scheme, "bearer") {
		w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
		sendProblem(w, r, http.StatusUnauthorized, `This resource needs an access token; send "Authorization: Bearer <token>"`, nil)
		return false
	}
	token = strings.TrimSpace(token)
	if len(token) > maxToken {
		a.invalid(w, r, fmt.Sprintf("The access token is longer than %d bytes", maxToken))
		return false
	}
	c := &claims{issuer: a.issuer, audience: a.audience}
	if _, err := a.parser.ParseWithClaims(token, c, func(*jwt.Token) (interface{}, error) { return a.secret, nil }); err != nil {
		var ve *jwt.ValidationError
		if errors.As(err, &ve) && ve.Errors&jwt.ValidationErrorClaimsInvalid != 0 && ve.Inner != nil {
			a.invalid(w, r, ve.Inner.Error())
		} else {
			a.invalid(w, r, "The access token is invalid")
		}
		return false
	}
	for _, s := range strings.Fields(c.Scope) {
		if s == scope {
			return true
		}
	}
	w.Header().Set("WWW-Authenticate", challenge("insufficient_scope", "The access token lacks a required scope")+`, scope="`+scope+`"`)
	sendProblem(w, r, http.StatusForbidden, fmt.Sprintf("The access token lacks the scope %q that this resource requires", scope), nil)
	return false
}

func (a *authenticator) invalid(w http.ResponseWriter, r *http.Request, description string) {
	w.Header().Set("WWW-Authenticate", challenge("invalid_token", description))
	sendProblem(w, r, http.StatusUnauthorized, description, nil)
}

func challenge(code, description string) string {
	return `Bearer realm="api", error="` + code + `", error_description="` + strings.ReplaceAll(description, `"`, "'") + `"`
}

// ------------------------------------------------------------------------------------------- handlers

func (s *server) collection(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		if s.auth.check(w, r, scopeRead) {
			s.listUsers(w, r)
		}
	case http.MethodPost:
		if s.auth.check(w, r, scopeWrite) {
			s.create(w, r)
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		sendProblem(w, r, http.StatusMethodNotAllowed, "Method "+r.Method+" is not allowed here", nil)
	}
}

func (s *server) item(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		sendProblem(w, r, http.StatusMethodNotAllowed, "Method "+r.Method+" is not allowed here", nil)
		return
	}
	if !s.auth.check(w, r, scopeRead) {
		return
	}
	text := strings.TrimPrefix(r.URL.Path, basePath+"/")
	id, err := strconv.ParseInt(text, 10, 64)
	if err != nil || id <= 0 || strings.HasPrefix(text, "+") {
		sendProblem(w, r, http.StatusBadRequest, fmt.Sprintf("%q is not a valid user id; ids are positive whole numbers", text), nil)
		return
	}
	u, err := scanUser(s.getByID.QueryRowContext(r.Context(), id))
	if errors.Is(err, sql.ErrNoRows) {
		sendProblem(w, r, http.StatusNotFound, fmt.Sprintf("There is no user with id %d", id), nil)
		return
	}
	if err != nil {
		serverError(w, r, err)
		return
	}
	w.Header().Set("ETag", `"`+strconv.FormatInt(u.version, 10)+`"`)
	sendJSON(w, http.StatusOK, u)
}

func (s *server) listUsers(w http.ResponseWriter, r *http.Request) {
	limit := defaultLimit
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			sendProblem(w, r, http.StatusBadRequest, fmt.Sprintf("Query parameter limit %q must be a whole number from 1 to %d (default %d)", v, maxLimit, defaultLimit), nil)
			return
		}
		limit = n
	}
	var after int64
	if c := q.Get("cursor"); c != "" {
		raw, err := base64.RawURLEncoding.DecodeString(c)
		n, err2 := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || err2 != nil || n < 0 {
			sendProblem(w, r, http.StatusBadRequest, "Query parameter cursor is not a cursor this service issued", nil)
			return
		}
		after = n
	}
	// One row more than asked for tells whether a next page exists.
	rows, err := s.list.QueryContext(r.Context(), after, limit+1)
	if err != nil {
		serverError(w, r, err)
		return
	}
	defer rows.Close()
	items := make([]User, 0, limit)
	var next *string
	for rows.Next() {
		if len(items) == limit {
			c := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(items[len(items)-1].ID, 10)))
			next = &c
			break
		}
		u, err := scanUser(rows)
		if err != nil {
			serverError(w, r, err)
			return
		}
		items = append(items, u)
	}
	if err := rows.Err(); err != nil {
		serverError(w, r, err)
		return
	}
	sendJSON(w, http.StatusOK, userList{Items: items, NextCursor: next})
}

func (s *server) create(w http.ResponseWriter, r *http.Request) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !(mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))) {
		sendProblem(w, r, http.StatusUnsupportedMediaType, "Send the body as application/json", nil)
		return
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	var in userInput
	if err := dec.Decode(&in); err != nil {
		sendProblem(w, r, http.StatusBadRequest, "The request body is not a valid user: "+err.Error(), nil)
		return
	}
	if errs := in.validate(); len(errs) > 0 {
		sendProblem(w, r, http.StatusBadRequest, "The request has invalid fields", errs)
		return
	}
	if in.Password != nil {
		// users-service stores a PBKDF2 hash; the benchmark never sends a password, so the peer refuses one.
		sendProblem(w, r, http.StatusBadRequest, "This peer does not store passwords", nil)
		return
	}
	roles := []string{"reader"}
	if in.Roles != nil {
		roles = dedupe(in.Roles)
	}
	name, email := strings.TrimSpace(*in.Name), strings.TrimSpace(*in.Email)
	now := time.Now().UTC().Truncate(time.Millisecond)
	millis := now.UnixMilli()
	res, err := s.insert.ExecContext(r.Context(), name, email, strings.ToLower(email), strings.Join(roles, " "), millis, millis)
	var sqliteErr sqlite3.Error
	if errors.As(err, &sqliteErr) && sqliteErr.ExtendedCode == sqlite3.ErrConstraintUnique {
		sendProblem(w, r, http.StatusConflict, fmt.Sprintf("A user with email %q already exists", email), nil)
		return
	}
	if err != nil {
		serverError(w, r, err)
		return
	}
	id, err := res.LastInsertId()
	if err != nil {
		serverError(w, r, err)
		return
	}
	u := User{ID: id, Name: name, Email: email, Roles: roles, CreatedAt: instant(now), UpdatedAt: instant(now)}
	w.Header().Set("Location", basePath+"/"+strconv.FormatInt(id, 10))
	w.Header().Set("ETag", `"1"`)
	sendJSON(w, http.StatusCreated, u)
}

type scanner interface {
	Scan(dest ...interface{}) error
}

func scanUser(row scanner) (User, error) {
	var u User
	var roles string
	var created, updated int64
	if err := row.Scan(&u.ID, &u.Name, &u.Email, &roles, &created, &updated, &u.version); err != nil {
		return User{}, err
	}
	u.Roles = strings.Fields(roles)
	u.CreatedAt = instant(time.UnixMilli(created))
	u.UpdatedAt = instant(time.UnixMilli(updated))
	return u, nil
}

func (in *userInput) validate() []fieldError {
	var errs []fieldError
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		errs = append(errs, fieldError{"name", "is required"})
	} else if len([]rune(*in.Name)) > 200 {
		errs = append(errs, fieldError{"name", "must be at most 200 characters"})
	}
	if in.Email == nil || strings.TrimSpace(*in.Email) == "" {
		errs = append(errs, fieldError{"email", "is required"})
	} else if len(*in.Email) > 254 || !emailPattern.MatchString(*in.Email) {
		errs = append(errs, fieldError{"email", fmt.Sprintf("%q is not a valid email address, e.g. ada@example.com", *in.Email)})
	}
	if in.Roles != nil {
		if len(in.Roles) == 0 {
			errs = append(errs, fieldError{"roles", "must name at least one role: reader, writer or admin"})
		}
		for i, role := range in.Roles {
			if !validRoles[role] {
				errs = append(errs, fieldError{fmt.Sprintf("roles[%d]", i), fmt.Sprintf("%q is not a role; use reader, writer or admin", role)})
			}
		}
	}
	if in.Password != nil && (len(*in.Password) < 12 || len(*in.Password) > 1024) {
		errs = append(errs, fieldError{"password", "must be 12 to 1024 characters long"})
	}
	return errs
}

func dedupe(roles []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// instant formats like java.time.Instant.toString() at millisecond precision.
func instant(t time.Time) string {
	t = t.UTC().Truncate(time.Millisecond)
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

// ------------------------------------------------------------------------------------------ responses

func sendJSON(w http.ResponseWriter, status int, v interface{}) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func sendProblem(w http.ResponseWriter, r *http.Request, status int, detail string, errs []fieldError) {
	body, _ := json.Marshal(problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Instance: r.URL.Path, Errors: errs})
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func serverError(w http.ResponseWriter, r *http.Request, err error) {
	log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
	sendProblem(w, r, http.StatusInternalServerError, "The request failed on the server; see its log", nil)
}

// ------------------------------------------------------------------------------------------ access log

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(status int) {
	s.status = status
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// accessLog writes one line per request with the standard logger (to stderr).
func accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Printf("%s %s %s %d %d %.3fms", r.RemoteAddr, r.Method, r.URL.RequestURI(), rec.status, rec.bytes, float64(time.Since(start).Microseconds())/1000)
	})
}
