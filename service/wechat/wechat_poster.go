package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"seminareval/model"
	"seminareval/service"
)

// Accounts without parametric QR codes: the poster shows the account's own
// QR code (wechat.account_qr_url, or an image uploaded on /admin/wechat)
// with the keyword to send; with several questionnaires open each has a
// short code ("评估 Q7") that the keyword reply understands.

// AssetAccountQR is the key of the uploaded account QR code.
const AssetAccountQR = "wechat.account_qr"

// MaxAccountQRBytes bounds an uploaded QR image.
const MaxAccountQRBytes = 512 << 10

// ErrNoAccountQR means neither an upload nor wechat.account_qr_url gives
// the account's QR code.
var ErrNoAccountQR = errors.New("no image of the account's QR code: upload one on /admin/wechat or set wechat.account_qr_url")

// ShortCode is the code a follower adds to the keyword to pick q ("Q7").
func ShortCode(q *model.Questionnaire) string {
	return "Q" + strings.ToUpper(strconv.FormatUint(q.ID, 36))
}

var shortCodeRe = regexp.MustCompile(`(?i)\bq([0-9a-z]{1,8})\b`)

// codeIn returns the questionnaire id a message names by short code.
func codeIn(text string) (uint64, bool) {
	m := shortCodeRe.FindStringSubmatch(text)
	if m == nil {
		return 0, false
	}
	id, err := strconv.ParseUint(strings.ToLower(m[1]), 36, 64)
	return id, err == nil
}

// SetAccountQR stores an uploaded image of the account's QR code.
func (w *Service) SetAccountQR(ctx context.Context, data []byte) error {
	if len(data) > MaxAccountQRBytes {
		return service.FieldErrors{"account_qr": "image_too_large"}
	}
	ct := http.DetectContentType(data)
	if ct != "image/png" && ct != "image/jpeg" && ct != "image/gif" && ct != "image/webp" {
		return service.FieldErrors{"account_qr": "not_an_image"}
	}
	a := model.Asset{Key: AssetAccountQR, ContentType: ct, Data: data, UpdatedAt: w.now().UTC()}
	if err := w.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&a).Error; err != nil {
		return fmt.Errorf("store account QR: %w", err)
	}
	return nil
}

// ClearAccountQR removes the uploaded image (wechat.account_qr_url applies again).
func (w *Service) ClearAccountQR(ctx context.Context) error {
	return w.db.WithContext(ctx).Where("`key` = ?", AssetAccountQR).Delete(&model.Asset{}).Error
}

// HasUploadedAccountQR reports whether an image was uploaded.
func (w *Service) HasUploadedAccountQR(ctx context.Context) bool {
	var n int64
	w.db.WithContext(ctx).Model(&model.Asset{}).Where("`key` = ?", AssetAccountQR).Count(&n)
	return n > 0
}

// AccountQR returns the image of the account's own QR code: the upload, or
// the one at wechat.account_qr_url fetched by the server (the platform's
// image hosts refuse pages of other sites).
func (w *Service) AccountQR(ctx context.Context) ([]byte, string, error) {
	var a model.Asset
	err := w.db.WithContext(ctx).Where("`key` = ?", AssetAccountQR).Take(&a).Error
	if err == nil {
		return a.Data, a.ContentType, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, "", fmt.Errorf("read account QR: %w", err)
	}
	cfg, err := w.Settings(ctx)
	if err != nil {
		return nil, "", err
	}
	if cfg.AccountQRURL == "" {
		return nil, "", ErrNoAccountQR
	}
	ctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.AccountQRURL, nil)
	if err != nil {
		return nil, "", fmt.Errorf("wechat.account_qr_url: %w", err)
	}
	resp, err := w.http.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("fetch account QR: %w", err)
	}
	defer resp.Body.Close()
	body, err := readAll(resp.Body)
	if err != nil {
		return nil, "", fmt.Errorf("fetch account QR: %w", err)
	}
	ct := http.DetectContentType(body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "image/") {
		return nil, "", fmt.Errorf("fetch account QR: HTTP %d %s", resp.StatusCode, ct)
	}
	return body, ct, nil
}
