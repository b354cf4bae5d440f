// Command go-nethttp is the benchmark's Go anchor: the users-service API subset used by bench/run.sh
// (GET /api/v1/users/{id}, GET /api/v1/users?limit=N, POST /api/v1/users) on net/http and
// encoding/json only, with the users kept in memory. Responses have the same JSON shapes and status
// codes as users-service (SPEC §6); there is no auth, access log or metrics.
//
// Listens on 127.0.0.1:$PORT (default 8080). GOMAXPROCS follows the CPUs the process may use, so
// under `taskset -c 0` it is 1.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log"
	"mime"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	basePath     = "/api/v1/users"
	defaultLimit = 50
	maxLimit     = 500
	maxBody      = 1 << 20
)

// User is the stored user and its JSON view; the same fields as users-service's UserView.
type User struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	Email     string   `json:"email"`
	Roles     []string `json:"roles"`
	CreatedAt string   `json:"createdAt"`
	UpdatedAt string   `json:"updatedAt"`
}

type userList struct {
	Items      []*User `json:"items"`
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

// store keeps users in id order; ids are 1, 2, 3… and never reused (the subset has no delete).
type store struct {
	mu      sync.RWMutex
	users   []*User
	byEmail map[string]int64
}

var (
	emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s.]+$`)
	validRoles   = map[string]bool{"reader": true, "writer": true, "admin": true}
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	s := &store{byEmail: map[string]int64{}}
	mux := http.NewServeMux()
	mux.HandleFunc(basePath, s.collection)
	mux.HandleFunc(basePath+"/", s.item)
	log.Printf("go-nethttp listening on http://127.0.0.1:%s", port)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, mux))
}

func (s *store) collection(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.list(w, r)
	case http.MethodPost:
		s.create(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		sendProblem(w, r, http.StatusMethodNotAllowed, "Method "+r.Method+" is not allowed here", nil)
	}
}

func (s *store) item(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		sendProblem(w, r, http.StatusMethodNotAllowed, "Method "+r.Method+" is not allowed here", nil)
		return
	}
	text := strings.TrimPrefix(r.URL.Path, basePath+"/")
	id, err := strconv.ParseInt(text, 10, 64)
	if err != nil || id <= 0 || strings.HasPrefix(text, "+") {
		sendProblem(w, r, http.StatusBadRequest, fmt.Sprintf("%q is not a valid user id; ids are positive whole numbers", text), nil)
		return
	}
	s.mu.RLock()
	var u *User
	if id <= int64(len(s.users)) {
		u = s.users[id-1]
	}
	s.mu.RUnlock()
	if u == nil {
		sendProblem(w, r, http.StatusNotFound, fmt.Sprintf("There is no user with id %d", id), nil)
		return
	}
	w.Header().Set("ETag", `"1"`)
	sendJSON(w, http.StatusOK, u)
}

func (s *store) list(w http.ResponseWriter, r *http.Request) {
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
	s.mu.RLock()
	items := make([]*User, 0, limit)
	var next *string
	for i := after; i < int64(len(s.users)); i++ {
		if len(items) == limit {
			c := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(items[len(items)-1].ID, 10)))
			next = &c
			break
		}
		items = append(items, s.users[i])
	}
	s.mu.RUnlock()
	sendJSON(w, http.StatusOK, userList{Items: items, NextCursor: next})
}

func (s *store) create(w http.ResponseWriter, r *http.Request) {
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
	roles := []string{"reader"}
	if in.Roles != nil {
		roles = dedupe(in.Roles)
	}
	name, email := strings.TrimSpace(*in.Name), strings.TrimSpace(*in.Email)
	key := strings.ToLower(email)
	now := instant(time.Now())
	s.mu.Lock()
	if _, dup := s.byEmail[key]; dup {
		s.mu.Unlock()
		sendProblem(w, r, http.StatusConflict, fmt.Sprintf("A user with email %q already exists", email), nil)
		return
	}
	u := &User{ID: int64(len(s.users)) + 1, Name: name, Email: email, Roles: roles, CreatedAt: now, UpdatedAt: now}
	s.users = append(s.users, u)
	s.byEmail[key] = u.ID
	s.mu.Unlock()
	w.Header().Set("Location", basePath+"/"+strconv.FormatInt(u.ID, 10))
	w.Header().Set("ETag", `"1"`)
	sendJSON(w, http.StatusCreated, u)
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
