package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
)

// Verdict is what the database holds against what the clients were told.
type Verdict struct {
	Acked      int      // submissions acknowledged with a 2xx
	Stored     int      // responses of the questionnaire in the database
	Missing    []string // acknowledged but not stored
	WrongID    []string // stored under another response id than the one acknowledged
	WrongRows  []string // stored with a different number of answer rows (half-stored)
	Duplicated []string // a submission id stored more than once
	Orphans    int      // stored but never acknowledged
}

// OK reports whether every acknowledged submission is stored exactly once,
// whole, under the id its client was given, and nothing else is stored.
func (v Verdict) OK() bool {
	return len(v.Missing) == 0 && len(v.WrongID) == 0 && len(v.WrongRows) == 0 && len(v.Duplicated) == 0 && v.Orphans == 0
}

func (v Verdict) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "acknowledged %d, stored %d: missing %d, wrong id %d, wrong answer rows %d, duplicated %d, never acknowledged %d",
		v.Acked, v.Stored, len(v.Missing), len(v.WrongID), len(v.WrongRows), len(v.Duplicated), v.Orphans)
	for _, list := range [][]string{v.Missing, v.WrongID, v.WrongRows, v.Duplicated} {
		for _, s := range list[:min(3, len(list))] {
			fmt.Fprintf(&b, "\n  %s", s)
		}
	}
	return b.String()
}

// Verify compares the acknowledged submissions with the responses of the
// questionnaire slug in db. Run it when the load has stopped.
func Verify(ctx context.Context, db *gorm.DB, slug string, acks []Ack) (Verdict, error) {
	var q model.Questionnaire
	if err := db.WithContext(ctx).Where("slug = ?", slug).Take(&q).Error; err != nil {
		return Verdict{}, fmt.Errorf("questionnaire %q: %w", slug, err)
	}
	type row struct {
		ID           uint64
		SubmissionID string
		Answers      int
	}
	var rows []row
	err := db.WithContext(ctx).Table("responses AS r").
		Select("r.id, r.submission_id, COUNT(a.id) AS answers").
		Joins("LEFT JOIN answers a ON a.response_id = r.id").
		Where("r.questionnaire_id = ?", q.ID).
		Group("r.id, r.submission_id").Scan(&rows).Error
	if err != nil {
		return Verdict{}, fmt.Errorf("read responses: %w", err)
	}
	v := Verdict{Acked: len(acks), Stored: len(rows)}
	stored := make(map[string]row, len(rows))
	for _, r := range rows {
		if _, twice := stored[r.SubmissionID]; twice {
			v.Duplicated = append(v.Duplicated, r.SubmissionID)
		}
		stored[r.SubmissionID] = r
	}
	acked := make(map[string]bool, len(acks))
	for _, a := range acks {
		acked[a.SubmissionID] = true
		r, ok := stored[a.SubmissionID]
		switch {
		case !ok:
			v.Missing = append(v.Missing, a.SubmissionID)
		case r.ID != a.ResponseID:
			v.WrongID = append(v.WrongID, fmt.Sprintf("%s: acknowledged as %d, stored as %d", a.SubmissionID, a.ResponseID, r.ID))
		case r.Answers != a.Rows:
			v.WrongRows = append(v.WrongRows, fmt.Sprintf("%s: %d answer rows stored, %d sent", a.SubmissionID, r.Answers, a.Rows))
		}
	}
	for id := range stored {
		if !acked[id] {
			v.Orphans++
		}
	}
	return v, nil
}

// Resend posts every acknowledged submission again, as a client that never
// saw its answer would, and returns the ones that did not get 200
// already_recorded with the response id first given.
func Resend(ctx context.Context, baseURL, slug string, acks []Ack, clients int) []string {
	target := strings.TrimRight(baseURL, "/") + "/s/" + url.PathEscape(slug)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var (
		mu    sync.Mutex
		wrong []string
		next  = make(chan Ack)
		wg    sync.WaitGroup
	)
	for range clients {
		wg.Go(func() {
			for a := range next {
				status, got, err := postOnce(ctx, hc, target, a.Body, a.Cookie)
				if err == nil && status == http.StatusOK && got.Status == "already_recorded" && got.ResponseID == a.ResponseID {
					continue
				}
				mu.Lock()
				wrong = append(wrong, fmt.Sprintf("re-sent %s: %d %+v %v, want 200 already_recorded %d", a.SubmissionID, status, got, err, a.ResponseID))
				mu.Unlock()
			}
		})
	}
	for _, a := range acks {
		next <- a
	}
	close(next)
	wg.Wait()
	return wrong
}

func postOnce(ctx context.Context, hc *http.Client, target string, body []byte, cookie string) (int, answer, error) {
	var a answer
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, a, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cookie", "sev_r="+cookie)
	res, err := hc.Do(req)
	if err != nil {
		return 0, a, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, a, err
	}
	_ = json.Unmarshal(data, &a)
	return res.StatusCode, a, nil
}
