package testenv

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// RunMainIf runs main with the arguments held by the environment variable
// envVar (one per line), then exits, when the variable is set: a test
// binary calls it first in TestMain, so that StartCommand can run the
// package's command as a real process (the test binary re-executed).
func RunMainIf(envVar, name string, main func()) {
	args := os.Getenv(envVar)
	if args == "" {
		return
	}
	os.Args = append([]string{name}, strings.Split(args, "\n")...)
	main()
	os.Exit(0)
}

// Command is a command started by StartCommand.
type Command struct {
	Cmd *exec.Cmd
	// LogPath holds its stdout and stderr.
	LogPath string
}

// FreeAddr returns a loopback address with a free port.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// StartCommand re-executes the test binary as the package's command with
// args (see RunMainIf); it is killed when the test ends, and its log is
// shown when the test failed.
func StartCommand(t testing.TB, envVar string, args ...string) *Command {
	t.Helper()
	c := &Command{LogPath: fmt.Sprintf("%s/command.log", t.TempDir())}
	c.Cmd = exec.Command(os.Args[0], "-test.run", "^$")
	c.Cmd.Env = append(os.Environ(), envVar+"="+strings.Join(args, "\n"), "KUBECONFIG=")
	log, err := os.Create(c.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	c.Cmd.Stdout, c.Cmd.Stderr = log, log
	if err := c.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Cmd.Process.Kill()
		_ = c.Cmd.Wait()
		_ = log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(c.LogPath)
			t.Logf("command log:\n%s", b)
		}
	})
	return c
}

// Log returns what the command wrote so far.
func (c *Command) Log() string {
	b, _ := os.ReadFile(c.LogPath)
	return string(b)
}

// Get requests http://addr/path and returns the status code and body.
func Get(addr, path string) (int, string) {
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// RSSKiB reads the command's resident and peak resident memory (KiB).
func (c *Command) RSSKiB(t testing.TB) (rss, peak int) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.Cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			rss = v
		case "VmHWM:":
			peak = v
		}
	}
	return rss, peak
}
