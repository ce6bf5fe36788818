package main

import "time"

// Config sizes a soak run.
type Config struct {
	// Members is how many members the load creates.
	Members int
	// Duration is how long the load runs; windows open and close, and
	// faults are injected, within it. Convergence is awaited after it.
	Duration time.Duration
	// Settle bounds the wait for convergence after Duration.
	Settle time.Duration
	// Senders is how many concurrent webhook senders deliver events.
	Senders int
	// RestartPostgres restarts the local PostgreSQL cluster once. Off in
	// `make test`: other test packages share that server.
	RestartPostgres bool
	// WorkerKills is how many times each worker is killed with SIGKILL.
	WorkerKills int
	// Doorsync is the built doorsync binary; TemporalCLI the Temporal CLI.
	Doorsync, TemporalCLI string
	// AdminDB is the maintenance database the soak creates its own from.
	AdminDB string
	// LogDir keeps the processes' logs ("" picks a temporary directory).
	LogDir string
	// KeepFailed keeps a failed run's database, logs and Temporal file.
	KeepFailed bool
	// Seed seeds the load's random choices (0 picks one).
	Seed uint64
}

// FullConfig is `make soak`: 300 members for about five minutes.
func FullConfig() Config {
	return Config{Members: 300, Duration: 4 * time.Minute, Settle: 2 * time.Minute, Senders: 6,
		RestartPostgres: true, WorkerKills: 2}
}

// ReducedConfig is the soak inside `make test`: about a minute, one kill
// of each kind, few members, and no PostgreSQL restart.
func ReducedConfig() Config {
	return Config{Members: 40, Duration: 45 * time.Second, Settle: 3 * time.Minute, Senders: 3,
		RestartPostgres: false, WorkerKills: 1}
}
