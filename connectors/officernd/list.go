package officernd

import (
	"context"
	"net/url"
	"strconv"
)

// pageSize is the most a v2 list answers ($limit above 50 is a 400).
const pageSize = 50

// listAnswer is the v2 list envelope; cursorNext is absent on the last page.
type listAnswer[T any] struct {
	Results    []T    `json:"results"`
	CursorNext string `json:"cursorNext"`
}

// listPage reads one page of the list at path: the first when cursor is "".
func listPage[T any](ctx context.Context, c *Client, o *op, path string, q url.Values, cursor string) ([]T, string, error) {
	q = cloneQuery(q)
	q.Set("$limit", strconv.Itoa(pageSize))
	if cursor != "" {
		q.Set("$cursorNext", cursor)
	}
	var ans listAnswer[T]
	if err := c.get(ctx, o, path, q, &ans); err != nil {
		return nil, "", err
	}
	return ans.Results, ans.CursorNext, nil
}

// listAll reads every page of the list at path.
func listAll[T any](ctx context.Context, c *Client, o *op, path string, q url.Values) ([]T, error) {
	var all []T
	cursor := ""
	for {
		page, next, err := listPage[T](ctx, c, o, path, q, cursor)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" {
			return all, nil
		}
		cursor = next
	}
}

func cloneQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}
