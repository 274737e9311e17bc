package report

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// WarmTallies brings the stored tally of every questionnaire with settled
// responses not yet counted up to date, so that the summary an organiser
// opens is a warm one: a cold summary groups every answer of the
// questionnaire (seconds at 100,000 responses), a warm one adds the few
// responses since (a tenth of a second). It returns how many it warmed.
func (r *Reports) WarmTallies(ctx context.Context) (int, error) {
	cutoff := r.now().UTC().Add(-TallySettle)
	var ids []uint64
	err := r.db.WithContext(ctx).Raw("SELECT r.questionnaire_id FROM responses r"+
		" LEFT JOIN report_tallies t ON t.questionnaire_id = r.questionnaire_id"+
		" WHERE r.submitted_at <= ? GROUP BY r.questionnaire_id"+
		" HAVING MAX(r.id) > COALESCE(MAX(t.up_to_response_id), 0)", cutoff).Scan(&ids).Error
	if err != nil {
		return 0, fmt.Errorf("questionnaires to tally: %w", err)
	}
	for i, id := range ids {
		if _, err := r.Summary(ctx, id, Filter{}); err != nil {
			return i, fmt.Errorf("tally questionnaire %d: %w", id, err)
		}
	}
	return len(ids), nil
}

// KeepTalliesWarm runs WarmTallies every interval until ctx ends. Every
// replica may run it: tallies are saved with their watermark, so the work
// of one is reused by the others.
func (r *Reports) KeepTalliesWarm(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := r.WarmTallies(ctx); err != nil && ctx.Err() == nil {
			log.Warn("warming report tallies", "err", err)
		} else if n > 0 {
			log.Debug("warmed report tallies", "questionnaires", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
