// Command benchtool is bench/run.sh's helper: the parts of a benchmark that a shell loop would measure
// too coarsely. Standard library only, so it builds offline with Debian's Go 1.19.
//
//	benchtool freeport                              print a free TCP port on 127.0.0.1
//	benchtool listening PORT                        exit 0 if something accepts on 127.0.0.1:PORT, else 1
//	benchtool startup [flags] -- CMD ARGS...        spawn CMD, time spawn → first 200, print VmRSS (its process group), stop it
//	benchtool rss PGID                              print the VmRSS in KiB summed over process group PGID (-1: none)
//	benchtool seed -url U -n N [-header H]          POST N users over keep-alive; ids must be 1..N
//	benchtool check -url U [-header H]              contract check of the API subset (shapes, codes)
//	benchtool overload -url U -c C -d D [-header H] closed-loop GETs; counts 2xx / 503 / other, p50/p99 per class
//
// Output lines are `key=value` pairs that run.sh parses.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type headerList []string

func (h *headerList) String() string     { return strings.Join(*h, ", ") }
func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	if len(os.Args) < 2 {
		fail(2, "usage: benchtool freeport|listening|startup|rss|seed|check|overload ...")
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "freeport":
		freeport()
	case "listening":
		if len(args) != 1 {
			fail(2, "usage: benchtool listening PORT")
		}
		if listening(args[0]) {
			os.Exit(0)
		}
		os.Exit(1)
	case "startup":
		startup(args)
	case "rss":
		if len(args) != 1 {
			fail(2, "usage: benchtool rss PGID")
		}
		pgid, err := strconv.Atoi(args[0])
		if err != nil {
			fail(2, "rss: '%s' is not a process group id", args[0])
		}
		fmt.Println(groupRSSKiB(pgid))
	case "seed":
		seed(args)
	case "check":
		check(args)
	case "overload":
		overload(args)
	default:
		fail(2, "unknown command '"+os.Args[1]+"'; use freeport, listening, startup, rss, seed, check or overload")
	}
}

func fail(code int, format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "benchtool: "+format+"\n", a...)
	os.Exit(code)
}

func freeport() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(1, "cannot bind a loopback port: %v", err)
	}
	fmt.Println(l.Addr().(*net.TCPAddr).Port)
	l.Close()
}

func listening(port string) bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// probe sends one request on a fresh connection and returns the status code (0 if none).
func probe(addr, request string) int {
	c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
	if err != nil {
		return 0
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		return 0
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0
	}
	parts := strings.Fields(line)
	if len(parts) < 2 {
		return 0
	}
	code, _ := strconv.Atoi(parts[1])
	return code
}

// groupRSSKiB is the resident memory of every process in the process group pgid (the server started by
// startup leads its own group): a server that runs as more than one process (a launcher and its JVM) is
// measured whole. -1 when no process of the group is found.
func groupRSSKiB(pgid int) int64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return -1
	}
	var sum int64 = -1
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// Fields after the command name, which is in parentheses and may hold spaces: state ppid pgrp ...
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 3 || fields[2] != strconv.Itoa(pgid) {
			continue
		}
		if rss := vmRSSKiB(pid); rss >= 0 {
			if sum < 0 {
				sum = 0
			}
			sum += rss
		}
	}
	return sum
}

func vmRSSKiB(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				n, _ := strconv.ParseInt(f[1], 10, 64)
				return n
			}
		}
	}
	return -1
}

// startup spawns the command in its own process group and polls it every -interval with a fresh TCP
// connection until one request answers 200. The time runs from just before fork to the moment the
// status line of that 200 is read, so its resolution is the poll interval plus one loopback round
// trip (about 1 ms with the default interval).
func startup(args []string) {
	fs := flag.NewFlagSet("startup", flag.ExitOnError)
	port := fs.String("port", "", "port the server listens on (127.0.0.1)")
	path := fs.String("path", "/api/v1/users?limit=1", "request path that must answer 200")
	interval := fs.Duration("interval", time.Millisecond, "pause between polls")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after this long")
	logFile := fs.String("log", "/dev/null", "server stdout and stderr go here")
	keep := fs.Bool("keep", false, "leave the server running and print its pid (default: stop it)")
	dir := fs.String("dir", "", "working directory of the server (default: this one)")
	var headers headerList
	fs.Var(&headers, "header", "extra request header, repeatable")
	_ = fs.Parse(args)
	cmdArgs := fs.Args()
	if *port == "" || len(cmdArgs) == 0 {
		fail(2, "usage: benchtool startup -port P [-path P] [-header H]... [-log F] -- CMD ARGS...")
	}
	if listening(*port) {
		fail(1, "port %s on 127.0.0.1 is already in use by another process; stop it or pick another port", *port)
	}
	out, err := os.OpenFile(*logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fail(1, "cannot open log '%s': %v", *logFile, err)
	}
	var req strings.Builder
	req.WriteString("GET " + *path + " HTTP/1.1\r\nHost: 127.0.0.1:" + *port + "\r\nConnection: close\r\n")
	for _, h := range headers {
		req.WriteString(h + "\r\n")
	}
	req.WriteString("\r\n")
	request, addr := req.String(), "127.0.0.1:"+*port

	cmd := exec.Command(cmdArgs[0], cmdArgs[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = *dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	exited := make(chan error, 1)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fail(1, "cannot start '%s': %v", cmdArgs[0], err)
	}
	go func() { exited <- cmd.Wait() }()
	// Interrupted while polling (Ctrl+C, the harness's trap): take the server down too, as it runs in
	// its own process group and would not get the signal.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		<-signals
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		os.Exit(130)
	}()
	deadline := start.Add(*timeout)
	last := 0
	for {
		select {
		case err := <-exited:
			fail(1, "the server exited before answering 200 (%v, last status %d); see %s", err, last, *logFile)
		default:
		}
		if last = probe(addr, request); last == 200 {
			break
		}
		if time.Now().After(deadline) {
			stop(cmd, exited)
			fail(1, "no 200 from %s%s within %s (last status %d); see %s", addr, *path, *timeout, last, *logFile)
		}
		time.Sleep(*interval)
	}
	elapsed := time.Since(start)
	rss := groupRSSKiB(cmd.Process.Pid)
	fmt.Printf("startup_ms=%.1f rss_kib=%d pid=%d\n", float64(elapsed.Microseconds())/1000, rss, cmd.Process.Pid)
	if *keep {
		return // the caller owns the process now (it is in its own group: kill -- -PID)
	}
	stop(cmd, exited)
}

func stop(cmd *exec.Cmd, exited chan error) {
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-exited
	}
}

func client(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
			DisableCompression: true, IdleConnTimeout: time.Minute,
		},
	}
}

func do(c *http.Client, method, url string, headers headerList, body []byte) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// SeedUser returns the body of seed user i; every server gets exactly the same users.
func seedUser(i int) []byte {
	return []byte(fmt.Sprintf(`{"name":"Seed User %d","email":"seed%d@bench.example","roles":["reader","writer"]}`, i, i))
}

func seed(args []string) {
	fs := flag.NewFlagSet("seed", flag.ExitOnError)
	url := fs.String("url", "", "base URL, e.g. http://127.0.0.1:8080")
	n := fs.Int("n", 1000, "users to create")
	var headers headerList
	fs.Var(&headers, "header", "extra request header, repeatable")
	_ = fs.Parse(args)
	c := client(1)
	start := time.Now()
	for i := 1; i <= *n; i++ {
		code, _, body, err := do(c, "POST", *url+"/api/v1/users", headers, seedUser(i))
		if err != nil || code != 201 {
			fail(1, "seeding user %d: status %d, error %v, body %.200s", i, code, err, body)
		}
		var u struct{ ID int64 }
		if err := json.Unmarshal(body, &u); err != nil || u.ID != int64(i) {
			fail(1, "seeding user %d: the server gave id %d; the benchmark needs a fresh store whose ids start at 1", i, u.ID)
		}
	}
	fmt.Printf("seeded=%d seed_ms=%d\n", *n, time.Since(start).Milliseconds())
}

// check asserts the API subset the benchmark relies on, so every peer is measured doing the same work.
func check(args []string) {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	url := fs.String("url", "", "base URL of a seeded server")
	n := fs.Int("n", 1000, "users seeded")
	var headers headerList
	fs.Var(&headers, "header", "extra request header, repeatable")
	_ = fs.Parse(args)
	c := client(1)
	var problems []string
	want := func(ok bool, format string, a ...interface{}) {
		if !ok {
			problems = append(problems, fmt.Sprintf(format, a...))
		}
	}
	fields := []string{"id", "name", "email", "roles", "createdAt", "updatedAt"}
	hasUserShape := func(what string, m map[string]interface{}) {
		want(len(m) == len(fields), "%s: want exactly the fields %v, got %v", what, fields, keys(m))
		for _, f := range fields {
			_, ok := m[f]
			want(ok, "%s: field %q missing", what, f)
		}
	}

	code, _, body, err := do(c, "GET", *url+"/api/v1/users/1", headers, nil)
	var u map[string]interface{}
	want(err == nil && code == 200 && json.Unmarshal(body, &u) == nil, "GET /users/1: want 200 JSON, got %d %v %.200s", code, err, body)
	hasUserShape("GET /users/1", u)
	want(u["email"] == "seed1@bench.example", "GET /users/1: email %v, want seed1@bench.example", u["email"])

	code, _, body, _ = do(c, "GET", fmt.Sprintf("%s/api/v1/users/%d", *url, *n+100000), headers, nil)
	want(code == 404, "GET unknown id: want 404, got %d", code)
	code, _, _, _ = do(c, "GET", *url+"/api/v1/users/abc", headers, nil)
	want(code == 400, "GET /users/abc: want 400, got %d", code)

	code, _, body, err = do(c, "GET", *url+"/api/v1/users?limit=10", headers, nil)
	var list struct {
		Items      []map[string]interface{} `json:"items"`
		NextCursor interface{}              `json:"nextCursor"`
	}
	want(err == nil && code == 200 && json.Unmarshal(body, &list) == nil, "GET list: want 200 JSON, got %d %v %.200s", code, err, body)
	want(len(list.Items) == 10, "GET list?limit=10: want 10 items, got %d", len(list.Items))
	if len(list.Items) > 0 {
		hasUserShape("GET list item", list.Items[0])
		want(list.Items[0]["id"] == float64(1), "GET list: first id %v, want 1", list.Items[0]["id"])
	}
	want(*n <= 10 || list.NextCursor != nil, "GET list: nextCursor missing although more users follow")
	code, _, _, _ = do(c, "GET", *url+"/api/v1/users?limit=0", headers, nil)
	want(code == 400, "GET list?limit=0: want 400, got %d", code)

	email := fmt.Sprintf("check-%d@bench.example", time.Now().UnixNano())
	code, h, body, err := do(c, "POST", *url+"/api/v1/users", headers, []byte(`{"name":"Check","email":"`+email+`"}`))
	var created map[string]interface{}
	want(err == nil && code == 201 && json.Unmarshal(body, &created) == nil, "POST: want 201 JSON, got %d %v %.200s", code, err, body)
	hasUserShape("POST", created)
	want(h.Get("Location") == fmt.Sprintf("/api/v1/users/%v", created["id"]), "POST: Location %q does not name the new id %v", h.Get("Location"), created["id"])
	if roles, ok := created["roles"].([]interface{}); !ok || len(roles) != 1 || roles[0] != "reader" {
		problems = append(problems, fmt.Sprintf("POST: default roles %v, want [reader]", created["roles"]))
	}
	code, _, _, _ = do(c, "POST", *url+"/api/v1/users", headers, []byte(`{"name":"Check","email":"`+email+`"}`))
	want(code == 409, "POST duplicate email: want 409, got %d", code)
	code, _, _, _ = do(c, "POST", *url+"/api/v1/users", headers, []byte(`{"name":"","email":"nope"}`))
	want(code == 400, "POST invalid: want 400, got %d", code)
	code, _, _, _ = do(c, "POST", *url+"/api/v1/users", headers, []byte(`{"name":"A","email":"a@b.example","shoe":1}`))
	want(code == 400, "POST unknown field: want 400, got %d", code)

	if len(problems) > 0 {
		fail(1, "the server at %s does not serve the benchmark's API subset:\n  %s", *url, strings.Join(problems, "\n  "))
	}
	fmt.Println("check=ok")
}

func keys(m map[string]interface{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// overload runs C connections, each sending GET /api/v1/users/{id} back to back for D, and reports the
// responses by class with the latency of each class. wrk cannot attribute latency to a status (its
// Lua response() hook sees no timing), so the p99 of accepted requests is measured here.
func overload(args []string) {
	fs := flag.NewFlagSet("overload", flag.ExitOnError)
	url := fs.String("url", "", "base URL of a seeded server")
	conns := fs.Int("c", 32, "connections")
	dur := fs.Duration("d", 10*time.Second, "duration")
	n := fs.Int("n", 1000, "ids cycle over 1..n")
	post := fs.String("post", "", "POST a new user with this email prefix on every request instead of GET by id")
	var headers headerList
	fs.Var(&headers, "header", "extra request header, repeatable")
	_ = fs.Parse(args)

	type result struct {
		ok, s503, other, errs int
		retryAfter            int
		okLat, s503Lat        []time.Duration
		otherCodes            map[int]int
		firstErr              error
	}
	results := make([]result, *conns)
	end := time.Now().Add(*dur)
	var wg sync.WaitGroup
	for i := 0; i < *conns; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := client(1)
			r := &results[i]
			r.otherCodes = map[int]int{}
			for k := 0; time.Now().Before(end); k++ {
				t0 := time.Now()
				var code int
				var h http.Header
				var err error
				if *post != "" {
					body := fmt.Sprintf(`{"name":"Overload %d %d","email":"%s-%d-%d@bench.example"}`, i, k, *post, i, k)
					code, h, _, err = do(c, "POST", *url+"/api/v1/users", headers, []byte(body))
				} else {
					id := (i*7919+k)%*n + 1
					code, h, _, err = do(c, "GET", fmt.Sprintf("%s/api/v1/users/%d", *url, id), headers, nil)
				}
				lat := time.Since(t0)
				switch {
				case err != nil:
					r.errs++
					if r.firstErr == nil {
						r.firstErr = err
					}
					time.Sleep(10 * time.Millisecond)
				case code >= 200 && code < 300:
					r.ok++
					r.okLat = append(r.okLat, lat)
				case code == 503:
					r.s503++
					r.s503Lat = append(r.s503Lat, lat)
					if h.Get("Retry-After") != "" {
						r.retryAfter++
					}
				default:
					r.other++
					r.otherCodes[code]++
				}
			}
		}(i)
	}
	wg.Wait()
	var total result
	total.otherCodes = map[int]int{}
	for _, r := range results {
		total.ok += r.ok
		total.s503 += r.s503
		total.other += r.other
		total.errs += r.errs
		total.retryAfter += r.retryAfter
		total.okLat = append(total.okLat, r.okLat...)
		total.s503Lat = append(total.s503Lat, r.s503Lat...)
		for k, v := range r.otherCodes {
			total.otherCodes[k] += v
		}
		if total.firstErr == nil {
			total.firstErr = r.firstErr
		}
	}
	other := make([]string, 0)
	for k, v := range total.otherCodes {
		other = append(other, fmt.Sprintf("%d:%d", k, v))
	}
	sort.Strings(other)
	fmt.Printf("ok=%d s503=%d s503_retry_after=%d other=%d other_codes=%s socket_errors=%d ok_rps=%.0f ok_p50_ms=%s ok_p99_ms=%s s503_p99_ms=%s\n",
		total.ok, total.s503, total.retryAfter, total.other, orDash(strings.Join(other, ",")), total.errs,
		float64(total.ok)/dur.Seconds(), pct(total.okLat, 50), pct(total.okLat, 99), pct(total.s503Lat, 99))
	if total.firstErr != nil && !errors.Is(total.firstErr, io.EOF) {
		fmt.Fprintf(os.Stderr, "benchtool: first socket error: %v\n", total.firstErr)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func pct(d []time.Duration, p int) string {
	if len(d) == 0 {
		return "-"
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	idx := (len(d)*p + 99) / 100
	if idx > 0 {
		idx--
	}
	return fmt.Sprintf("%.2f", float64(d[idx].Microseconds())/1000)
}
