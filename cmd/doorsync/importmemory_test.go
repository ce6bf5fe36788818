package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"doorsync/internal/secrets"
	"doorsync/internal/testenv"
)

// maxImportRSS is the peak resident memory `doorsync api` may reach while
// it takes a 100 MB import of bad lines.
const maxImportRSS = 300 << 20

// A 100 MB import of bad lines, streamed (chunked) to a `doorsync api`
// process, keeps that process's peak RSS (VmHWM) under 300 MB, and the
// answer lists the first 1,000 rejected lines, in order, and counts them
// all. The binary is built without the race detector, so its memory is
// what production sees. A watchdog kills the process as soon as it passes
// the bound, so a regression fails fast instead of exhausting the machine.
func TestImportOf100MBOfBadLinesKeepsTheAPIUnder300MB(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to read a process's peak RSS")
	}
	api := startAPIProcess(t)
	key := api.orgKey(t, "acme")

	over := make(chan int64, 1)
	stopWatch := watchRSS(api.pid, maxImportRSS, func(rss int64) {
		over <- rss
		api.kill()
	})
	lines, body := badLines(100 << 20)
	ans, err := postImport(api.url+"/v1/orgs/acme/import", key, body)
	stopWatch()
	select {
	case rss := <-over:
		t.Fatalf("the API process reached %d MB of RSS, over %d MB; killed", rss>>20, maxImportRSS>>20)
	default:
	}
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	peak, err := statusBytes(api.pid, "VmHWM")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bad lines; the API process's peak RSS was %d MB", lines, peak>>20)
	if peak >= maxImportRSS {
		t.Errorf("peak RSS %d MB, want under %d MB", peak>>20, maxImportRSS>>20)
	}
	if ans.Accepted != 0 || ans.RejectedCount != lines || len(ans.Rejected) != 1000 {
		t.Fatalf("accepted %d, rejected_count %d, %d listed; want 0, %d, 1000", ans.Accepted, ans.RejectedCount, len(ans.Rejected), lines)
	}
	for i, r := range ans.Rejected {
		if r.Line != i+1 || len(r.Errors) == 0 {
			t.Fatalf("rejection %d = %+v, want line %d with its errors", i, r, i+1)
		}
	}
}

// apiProcess is `doorsync api` running on a fresh database.
type apiProcess struct {
	pid  int
	url  string
	kill func()
}

// startAPIProcess builds doorsync and runs `doorsync api` on a fresh
// database and the package's Temporal dev server, on a free port, with
// env added to its environment.
func startAPIProcess(t *testing.T, env ...string) apiProcess {
	t.Helper()
	dev := testenv.Temporal(t)
	bin := testenv.BuildDoorsync(t)
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	cmd := exec.Command(bin, "api")
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+testenv.NewDatabase(t),
		"TEMPORAL_ADDRESS="+dev.HostPort,
		"TEMPORAL_NAMESPACE="+dev.Namespace,
		"DOORSYNC_TASK_QUEUE="+testenv.TaskQueue(t),
		"DOORSYNC_HTTP_ADDR="+addr,
		"DOORSYNC_ADMIN_TOKEN="+processAdminToken,
		"DOORSYNC_SECRET_KEY="+secrets.NewKey(),
		"DOORSYNC_LOG_LEVEL=warn",
	)
	cmd.Env = append(cmd.Env, env...)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	kill := func() { cmd.Process.Kill() }
	t.Cleanup(func() {
		kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("doorsync api output:\n%s", out.String())
		}
	})
	url := "http://" + addr
	waitFor(t, 60*time.Second, "doorsync api to answer /healthz", func() bool { return httpStatus(url+"/healthz") == 200 })
	return apiProcess{pid: cmd.Process.Pid, url: url, kill: kill}
}

const processAdminToken = "admin-token-for-the-api-process-0123"

// asAdmin sends a JSON request to the process with the admin token and
// returns the answer's status and body.
func (p apiProcess) asAdmin(t *testing.T, method, path string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, p.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+processAdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, raw
}

// orgKey creates an org and returns an API key for it.
func (p apiProcess) orgKey(t *testing.T, org string) string {
	t.Helper()
	call := func(method, path, body string) map[string]any {
		status, raw := p.asAdmin(t, method, path, []byte(body))
		var out map[string]any
		if err := json.Unmarshal(raw, &out); err != nil || status != 201 {
			t.Fatalf("%s %s = %d %s (%v)", method, path, status, raw, err)
		}
		return out
	}
	call("PUT", "/v1/orgs/"+org, `{"name":"Acme","time_zone":"Europe/London"}`)
	return call("POST", "/v1/orgs/"+org+"/api-keys", `{"name":"platform"}`)["key"].(string)
}

// badLineKinds are the bad lines the import takes turns with, each
// refused while parsing in its own way. Most bytes are in the last: a
// 2,000-byte unknown key, which the rejection names.
var badLineKinds = []string{
	`{}`,
	`{"type":"spaceship","id":"s1"}`,
	`{"type":"member","id":"m1","email":"nope","shoe_size":44}`,
	`not json`,
	`{"type":"plan","id":"bad id","name":"x"}`,
	`[1,2,3]`,
	`{"type":"team","id":"t1","name":"T","NAME":"U"}`,
	`{"type":"plan","id":"p1","` + strings.Repeat("k", 2000) + `":1}`,
}

// badLines is a streamed NDJSON body of about size bytes of bad lines, and
// how many lines it holds.
func badLines(size int) (int, io.Reader) {
	var lines, sum int
	for sum < size {
		sum += len(badLineKinds[lines%len(badLineKinds)]) + 1
		lines++
	}
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 64<<10)
		for i := range lines {
			w.WriteString(badLineKinds[i%len(badLineKinds)])
			w.WriteByte('\n')
		}
		w.Flush()
		pw.Close()
	}()
	return lines, pr
}

// importAnswer is the answer to an import.
type importAnswer struct {
	Accepted      int `json:"accepted"`
	RejectedCount int `json:"rejected_count"`
	Rejected      []struct {
		Line   int               `json:"line"`
		Errors []json.RawMessage `json:"errors"`
	} `json:"rejected"`
}

// postImport streams body (no declared length, so chunked) and decodes
// the answer.
func postImport(url, key string, body io.Reader) (importAnswer, error) {
	req, err := http.NewRequest("POST", url, body)
	if err != nil {
		return importAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return importAnswer{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return importAnswer{}, fmt.Errorf("import = %d: %s", resp.StatusCode, b)
	}
	var out importAnswer
	return out, json.NewDecoder(resp.Body).Decode(&out)
}

// watchRSS polls pid's resident memory and calls over once it passes
// limit; the returned func stops the watch.
func watchRSS(pid int, limit int64, over func(rss int64)) (stop func()) {
	var done atomic.Bool
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for !done.Load() {
			if rss, err := statusBytes(pid, "VmRSS"); err == nil && rss > limit {
				over(rss)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return func() { done.Store(true); <-finished }
}

// statusBytes reads a kB field of /proc/<pid>/status, in bytes.
func statusBytes(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}
