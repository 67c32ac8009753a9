// Segment's Go library (github.com/segmentio/analytics-go/v3) on its defaults, pointed at the
// collector. Sends identify, track, page and alias for one user, flushes (Close), and exits 0
// when the library reported no error (1 otherwise, with each error on stderr). Environment:
// COMPAT_HOST, COMPAT_WRITE_KEY, COMPAT_USER_ID, COMPAT_ANONYMOUS_ID, COMPAT_PREVIOUS_ID.
package main

import (
	"fmt"
	"os"
	"sync"

	"github.com/segmentio/analytics-go/v3"
)

// failures records what the library reports through its callback; it changes no setting.
type failures struct {
	mu     sync.Mutex
	errors []string
}

func (f *failures) Success(analytics.Message) {}

func (f *failures) Failure(m analytics.Message, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf("%T: %v", m, err))
}

func main() {
	user := os.Getenv("COMPAT_USER_ID")
	report := &failures{}
	client, err := analytics.NewWithConfig(os.Getenv("COMPAT_WRITE_KEY"), analytics.Config{
		Endpoint: os.Getenv("COMPAT_HOST"),
		Callback: report,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	messages := []analytics.Message{
		analytics.Identify{
			UserId:      user,
			AnonymousId: os.Getenv("COMPAT_ANONYMOUS_ID"),
			Traits:      analytics.NewTraits().Set("plan", "gold").SetEmail(user + "@example.com"),
		},
		analytics.Track{
			UserId: user,
			Event:  "Order Completed",
			Properties: analytics.NewProperties().
				Set("order_id", user+"-order").SetRevenue(42.5).SetCurrency("EUR"),
		},
		analytics.Page{
			UserId:     user,
			Name:       "Product",
			Properties: analytics.NewProperties().SetPath("/p/mug").SetURL("https://shop.example/p/mug"),
		},
		analytics.Alias{PreviousId: os.Getenv("COMPAT_PREVIOUS_ID"), UserId: user},
	}
	for _, m := range messages {
		if err := client.Enqueue(m); err != nil {
			report.Failure(m, err)
		}
	}
	if err := client.Close(); err != nil {
		report.Failure(nil, err)
	}
	for _, e := range report.errors {
		fmt.Fprintln(os.Stderr, e)
	}
	if len(report.errors) > 0 {
		os.Exit(1)
	}
}
