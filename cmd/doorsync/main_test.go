package main

import (
	"testing"

	"doorsync/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
