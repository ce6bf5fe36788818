package api

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// maxImportLine is the longest import line (without its line break).
const maxImportLine = 1 << 20

// maxReportedRejections is how many rejected lines an import answer lists;
// rejected_count counts them all.
const maxReportedRejections = 1000

// Each reported rejection is bounded too, since fields and messages can
// echo the line (an unknown key, say).
const (
	maxErrorsPerLine = 10
	maxErrorText     = 200
)

// readLines reads the body line by line into the import and returns how
// many lines it read; it stops early when the import ends. A line longer
// than maxImportLine is rejected as that line's error and skipped without
// being held in memory.
func (imp *importRun) readLines(body io.Reader) (int, error) {
	br := bufio.NewReaderSize(body, maxImportLine+len("\r\n"))
	n := 0
	for imp.ctx.Err() == nil {
		line, tooLong, err := nextLine(br)
		if err != nil && !errors.Is(err, io.EOF) {
			return n, err // the line cut by the error is not used
		}
		if tooLong || len(line) > 0 {
			n++
		}
		switch text := bytes.TrimSpace(line); {
		case tooLong:
			imp.done(n, nil, httpError(http.StatusBadRequest, fmt.Sprintf("the line is longer than %d bytes (1 MiB); it was skipped", maxImportLine)))
		case len(text) > 0:
			imp.add(n, text)
		}
		if err != nil {
			return n, nil // io.EOF: the last line had no line break
		}
	}
	return n, nil
}

// nextLine reads one line with its line break (none at the end of the
// body). A line that does not fit the buffer is read to its end and
// dropped: tooLong, no bytes.
func nextLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	line, err = br.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return line, len(bytes.TrimRight(line, "\r\n")) > maxImportLine, err
	}
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = br.ReadSlice('\n')
	}
	return nil, true, err
}

// boundErrors keeps at most maxErrorsPerLine errors of a line, each field
// and message at most maxErrorText bytes, and says how many it left out.
func boundErrors(errs []fieldError) []fieldError {
	out := make([]fieldError, 0, min(len(errs), maxErrorsPerLine+1))
	for _, e := range errs[:min(len(errs), maxErrorsPerLine)] {
		out = append(out, fieldError{Field: clip(e.Field), Message: clip(e.Message)})
	}
	if more := len(errs) - maxErrorsPerLine; more > 0 {
		out = append(out, fieldError{Message: fmt.Sprintf("and %d more errors", more)})
	}
	return out
}

// clip cuts s to maxErrorText bytes, on a character boundary.
func clip(s string) string {
	if len(s) <= maxErrorText {
		return s
	}
	return strings.ToValidUTF8(s[:maxErrorText], "") + "…"
}

// rejections keeps the maxReportedRejections rejected lines with the
// lowest numbers (writers finish out of line order) and counts them all.
type rejections struct {
	kept  rejectionHeap
	count int
}

func (rs *rejections) add(r importRejection) {
	rs.count++
	switch {
	case len(rs.kept) < maxReportedRejections:
		heap.Push(&rs.kept, r)
	case r.Line < rs.kept[0].Line:
		rs.kept[0] = r
		heap.Fix(&rs.kept, 0)
	}
}

// inLineOrder returns the kept rejections sorted by line ([] for none).
func (rs *rejections) inLineOrder() []importRejection {
	out := append([]importRejection{}, rs.kept...)
	slices.SortFunc(out, func(a, b importRejection) int { return cmp.Compare(a.Line, b.Line) })
	return out
}

// rejectionHeap is a max-heap by line: its root is the highest line kept.
type rejectionHeap []importRejection

func (h rejectionHeap) Len() int           { return len(h) }
func (h rejectionHeap) Less(i, j int) bool { return h[i].Line > h[j].Line }
func (h rejectionHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *rejectionHeap) Push(x any)        { *h = append(*h, x.(importRejection)) }
func (h *rejectionHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
