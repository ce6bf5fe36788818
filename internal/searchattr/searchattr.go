// Package searchattr names the custom Temporal search attributes doorsync
// sets on its workflows and registers them on a namespace.
package searchattr

import (
	"context"
	"fmt"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
)

// Names are doorsync's custom search attributes, all of type Keyword.
var Names = []string{"OrgId", "PersonId", "EntityKind"}

// Missing lists the attributes namespace does not have yet.
func Missing(ctx context.Context, c client.Client, namespace string) ([]string, error) {
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return nil, fmt.Errorf("searchattr: list: %w", err)
	}
	var missing []string
	for _, name := range Names {
		if resp.GetCustomAttributes()[name] != enums.INDEXED_VALUE_TYPE_KEYWORD {
			missing = append(missing, name)
		}
	}
	return missing, nil
}

// Ensure registers whichever attributes namespace lacks. It is safe to run
// on every deploy.
func Ensure(ctx context.Context, c client.Client, namespace string) (added []string, err error) {
	missing, err := Missing(ctx, c, namespace)
	if err != nil || len(missing) == 0 {
		return nil, err
	}
	attrs := make(map[string]enums.IndexedValueType, len(missing))
	for _, name := range missing {
		attrs[name] = enums.INDEXED_VALUE_TYPE_KEYWORD
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: attrs,
	})
	if err != nil {
		return nil, fmt.Errorf("searchattr: add %v: %w", missing, err)
	}
	return missing, nil
}
