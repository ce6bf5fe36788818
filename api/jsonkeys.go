package api

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
)

// refuseDuplicateKeys answers 400 naming the first key that appears twice
// in one object of data, in any case: encoding/json matches keys to fields
// case-insensitively and silently keeps the last, so {"email":"a",
// "Email":"b"} would otherwise read as one field. Malformed JSON passes
// here; the decoder that follows reports it.
func refuseDuplicateKeys(data []byte) error {
	key, ok := duplicateKey(data)
	if !ok {
		return nil
	}
	v := &validationError{}
	v.add(key, "appears more than once (keys are matched case-insensitively)")
	return v
}

// jsonScope is one open JSON object or array while walking a value.
type jsonScope struct {
	path      string
	seen      map[string]bool // nil for an array
	expectKey bool            // in an object: the next token is a key
	key       string          // in an object: the key whose value comes next
	index     int             // in an array: the index of the next value
}

// childPath names the value that comes next in s, as the API names fields
// ("booker.email", "guests[1].email").
func (s *jsonScope) childPath() string {
	if s.seen == nil {
		return s.path + "[" + strconv.Itoa(s.index) + "]"
	}
	if s.path == "" {
		return s.key
	}
	return s.path + "." + s.key
}

// valueDone moves s past the value just read.
func (s *jsonScope) valueDone() {
	if s.seen == nil {
		s.index++
	} else {
		s.expectKey = true
	}
}

// duplicateKey walks data token by token (an explicit stack, so deep
// nesting costs no call stack) and returns the path of the first key
// repeated within one object.
func duplicateKey(data []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []*jsonScope
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		var top *jsonScope
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.seen != nil && top.expectKey {
			if d, ok := tok.(json.Delim); !ok || d != '}' {
				key, _ := tok.(string)
				if top.seen[foldKey(key)] {
					top.key = key
					return top.childPath(), true
				}
				top.seen[foldKey(key)], top.key, top.expectKey = true, key, false
				continue
			}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			s := &jsonScope{expectKey: true}
			if top != nil {
				s.path = top.childPath()
			}
			if tok == json.Delim('{') {
				s.seen = map[string]bool{}
			}
			stack = append(stack, s)
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				stack[len(stack)-1].valueDone()
			}
		default:
			if top != nil {
				top.valueDone()
			}
		}
		if len(stack) == 0 {
			return "", false
		}
	}
}

// foldKey is the form under which encoding/json considers two keys equal
// (bytes.EqualFold: Unicode simple folding, so "K" and the Kelvin sign
// match too): each rune becomes the smallest of its fold set.
func foldKey(k string) string {
	return strings.Map(func(r rune) rune {
		for {
			next := unicode.SimpleFold(r)
			if next <= r {
				return next
			}
			r = next
		}
	}, k)
}
