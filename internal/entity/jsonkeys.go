package entity

import (
	"encoding/json"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// RefuseDuplicateKeys refuses (an Invalid) naming the first key that appears twice
// in one object of data, in any case: encoding/json matches keys to fields
// case-insensitively and silently keeps the last, so {"email":"a",
// "Email":"b"} would otherwise read as one field. Malformed JSON passes
// here; the decoder that follows reports it.
func RefuseDuplicateKeys(data []byte) error {
	if !json.Valid(data) {
		return nil
	}
	key, ok := duplicateKey(data)
	if !ok {
		return nil
	}
	v := &Invalid{}
	v.Add(key, "appears more than once (keys are matched case-insensitively)")
	return v
}

// jsonScope is one open JSON object or array while walking a value.
type jsonScope struct {
	path   string
	object bool
	keys   keySet
	key    string // in an object: the key whose value comes next
	index  int    // in an array: the index of the next value
}

// childPath names the value that comes next in s, as the API names fields
// ("booker.email", "guests[1].email").
func (s *jsonScope) childPath() string {
	switch {
	case !s.object:
		return s.path + "[" + strconv.Itoa(s.index) + "]"
	case s.path == "":
		return s.key
	}
	return s.path + "." + s.key
}

// duplicateKey walks valid JSON byte by byte (an explicit stack, so deep
// nesting costs no call stack) and returns the path of the first key
// repeated within one object.
func duplicateKey(data []byte) (string, bool) {
	var stack []*jsonScope
	expectKey := false
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{', '[':
			s := &jsonScope{object: c == '{'}
			if n := len(stack); n > 0 {
				s.path = stack[n-1].childPath()
			}
			stack = append(stack, s)
			expectKey = s.object
		case '}', ']':
			stack = stack[:len(stack)-1]
		case ',':
			top := stack[len(stack)-1]
			top.index++
			expectKey = top.object
		case '"':
			end := stringEnd(data, i)
			if expectKey {
				top := stack[len(stack)-1]
				top.key = decodeKey(data[i : end+1])
				if !top.keys.add(foldKey(top.key)) {
					return top.childPath(), true
				}
				expectKey = false
			}
			i = end
		}
	}
	return "", false
}

// stringEnd returns the index of the quote closing the string that opens
// at data[start].
func stringEnd(data []byte, start int) int {
	for i := start + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(data) - 1
}

// decodeKey reads a quoted JSON key, escapes and all.
func decodeKey(quoted []byte) string {
	for _, c := range quoted {
		if c == '\\' {
			var s string
			if json.Unmarshal(quoted, &s) != nil { // the decoder gave a valid string token
				return string(quoted)
			}
			return s
		}
	}
	return string(quoted[1 : len(quoted)-1])
}

// keySet holds the folded keys of one object: a slice while small, a map
// once large, so an object of many keys stays linear.
type keySet struct {
	few  []string
	many map[string]bool
}

// add records k and reports whether it was new.
func (s *keySet) add(k string) bool {
	if s.many != nil {
		if s.many[k] {
			return false
		}
		s.many[k] = true
		return true
	}
	for _, o := range s.few {
		if o == k {
			return false
		}
	}
	s.few = append(s.few, k)
	if len(s.few) > 16 {
		s.many = map[string]bool{}
		for _, o := range s.few {
			s.many[o] = true
		}
		s.few = nil
	}
	return true
}

// foldKey is the form under which encoding/json considers two keys equal
// (bytes.EqualFold: Unicode simple folding, so "K" and the Kelvin sign
// match too): ASCII upper-cased, any other rune the smallest of its fold
// set.
func foldKey(k string) string {
	b := make([]byte, 0, len(k))
	for _, r := range k {
		switch {
		case r < utf8.RuneSelf:
			if 'a' <= r && r <= 'z' {
				r -= 'a' - 'A'
			}
			b = append(b, byte(r)) //nolint:gosec // r < utf8.RuneSelf
		default:
			b = utf8.AppendRune(b, foldRune(r))
		}
	}
	return string(b)
}

func foldRune(r rune) rune {
	for {
		next := unicode.SimpleFold(r)
		if next <= r {
			return next
		}
		r = next
	}
}
