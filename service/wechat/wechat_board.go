package wechat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount/basic"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	qrcode "github.com/skip2/go-qrcode"
	"gorm.io/gorm/clause"

	"seminareval/model"
	"seminareval/service"
)

// This file is what organisers use at the closing session: the QR code to
// project, the live count, the board of who has answered, and reminders.

// Respondents counts the responses of a questionnaire (the poster's number).
func (w *Service) Respondents(ctx context.Context, questionnaireID uint64) (int64, error) {
	var n int64
	err := w.db.WithContext(ctx).Model(&model.Response{}).Where("questionnaire_id = ?", questionnaireID).Count(&n).Error
	return n, err
}

// BoardRow is one roster participant on the board.
type BoardRow struct {
	Participant  model.Participant
	Answered     bool
	AnsweredAt   time.Time
	Channel      string
	HasOpenID    bool
	LastReminder *model.Reminder
	// Reach is how a reminder can reach them now: ReachTemplate,
	// ReachCustom (until ReachUntil) or "" (not through WeChat).
	Reach      string
	ReachUntil time.Time
}

// How a reminder reaches a participant.
const (
	ReachTemplate = "template" // a template message (verified service accounts)
	ReachCustom   = "custom"   // a customer-service message, within 48 h of their last message
)

// ReminderChannel is how an account configured as cfg reminds: template
// messages (ReachTemplate, with a reminder template id), customer-service
// messages in the 48-hour window (ReachCustom), or not at all ("").
func ReminderChannel(cfg service.WeChatConfig) string {
	caps := service.CapabilitiesOf(cfg.AccountType)
	switch {
	case caps.Templates && cfg.ReminderTemplateID != "":
		return ReachTemplate
	case caps.CustomerService:
		return ReachCustom
	}
	return ""
}

// ErrNoReminderChannel is an account type that can send no reminders.
var ErrNoReminderChannel = errors.New("this account type cannot send reminders")

// GroupCount is a roster group's progress.
type GroupCount struct {
	Group             string
	Invited, Answered int
	// On an anonymous questionnaire, groups of fewer than SuppressBelow are
	// shown together (Merged), with the smallest others until together they
	// are SuppressBelow; when even the whole roster is fewer, the count of
	// answers is not shown (Suppressed): the one expert from a country must
	// not be seen answering, nor worked out from the total.
	Merged, Suppressed bool
}

// Board is the live view of a questionnaire's responses against its
// roster. For anonymous questionnaires Rows is empty: only the counts per
// group are shown, so no one can be singled out.
type Board struct {
	Respondents int64 // all responses, roster or not
	Invited     int
	Answered    int // roster participants who answered
	Pending     int // roster participants with a bound openid who have not answered
	Anonymous   bool
	Rows        []BoardRow
	Groups      []GroupCount
	Reminders   []ReminderView // newest first
}

// ReminderView is a recorded reminder with the participant's name.
type ReminderView struct {
	model.Reminder
	Name string
}

// Board builds the board of questionnaire q.
func (w *Service) Board(ctx context.Context, q *service.Loaded) (*Board, error) {
	b := &Board{Anonymous: q.Anonymous}
	var err error
	if b.Respondents, err = w.Respondents(ctx, q.ID); err != nil {
		return nil, fmt.Errorf("count responses: %w", err)
	}
	rows, err := w.rosterStatus(ctx, q)
	if err != nil {
		return nil, err
	}
	var reminders []model.Reminder
	if err := w.db.WithContext(ctx).Where("questionnaire_id = ?", q.ID).Order("id DESC").Limit(200).Find(&reminders).Error; err != nil {
		return nil, fmt.Errorf("reminders: %w", err)
	}
	last := map[uint64]*model.Reminder{}
	for i := range reminders {
		if last[reminders[i].ParticipantID] == nil {
			last[reminders[i].ParticipantID] = &reminders[i]
		}
	}
	groups := map[string]*GroupCount{}
	for i := range rows {
		r := &rows[i]
		r.LastReminder = last[r.Participant.ID]
		g := groups[r.Participant.Group]
		if g == nil {
			g = &GroupCount{Group: r.Participant.Group}
			groups[r.Participant.Group] = g
		}
		g.Invited++
		b.Invited++
		if r.Answered {
			g.Answered++
			b.Answered++
		} else if r.HasOpenID {
			b.Pending++
		}
	}
	small := GroupCount{Merged: true}
	for _, g := range groups {
		if q.Anonymous && g.Invited < service.SuppressBelow {
			small.Invited += g.Invited
			small.Answered += g.Answered
			continue
		}
		b.Groups = append(b.Groups, *g)
	}
	if small.Invited > 0 && small.Invited < service.SuppressBelow {
		// The total is shown, so the small groups' count would be the total
		// minus the groups shown: join the smallest groups to them until
		// together they are SuppressBelow (secondary suppression).
		sort.Slice(b.Groups, func(i, j int) bool { return b.Groups[i].Invited < b.Groups[j].Invited })
		for small.Invited < service.SuppressBelow && len(b.Groups) > 0 {
			small.Invited += b.Groups[0].Invited
			small.Answered += b.Groups[0].Answered
			b.Groups = b.Groups[1:]
		}
	}
	sort.Slice(b.Groups, func(i, j int) bool { return b.Groups[i].Group < b.Groups[j].Group })
	if small.Invited > 0 {
		if small.Invited < service.SuppressBelow {
			small.Suppressed, small.Answered = true, 0
		}
		b.Groups = append(b.Groups, small)
	}
	if !q.Anonymous {
		b.Rows = rows
		names := map[uint64]string{}
		for _, r := range rows {
			names[r.Participant.ID] = r.Participant.Name
		}
		for _, r := range reminders {
			b.Reminders = append(b.Reminders, ReminderView{Reminder: r, Name: names[r.ParticipantID]})
		}
	}
	return b, nil
}

// rosterStatus returns every roster participant of q's seminar and whether
// they answered: through their invite (participant id), or by the keyed
// respondent hash of their participant or openid key, which is all an
// anonymous questionnaire keeps.
func (w *Service) rosterStatus(ctx context.Context, q *service.Loaded) ([]BoardRow, error) {
	if q.SeminarID == nil {
		return nil, nil
	}
	var people []model.Participant
	if err := w.db.WithContext(ctx).Where("seminar_id = ?", *q.SeminarID).Order("grp, name, id").Find(&people).Error; err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	if len(people) == 0 {
		return nil, nil
	}
	hashOwner := map[string]int{}
	ids := make([]uint64, len(people))
	for i, p := range people {
		ids[i] = p.ID
		hashOwner[w.responses.RespondentHash(q.ID, "p:"+strconv.FormatUint(p.ID, 10))] = i
		if p.OpenID != nil {
			hashOwner[w.responses.RespondentHash(q.ID, "wx:"+*p.OpenID)] = i
		}
	}
	hashes := make([]string, 0, len(hashOwner))
	for h := range hashOwner {
		hashes = append(hashes, h)
	}
	var resps []model.Response
	err := w.db.WithContext(ctx).Select("id", "participant_id", "respondent_hash", "channel", "submitted_at").
		Where("questionnaire_id = ? AND (participant_id IN ? OR respondent_hash IN ?)", q.ID, ids, hashes).Find(&resps).Error
	if err != nil {
		return nil, fmt.Errorf("responses of the roster: %w", err)
	}
	loc := q.Seminar.Zone()
	index := map[uint64]int{}
	for i, p := range people {
		index[p.ID] = i
	}
	rows := make([]BoardRow, len(people))
	for i, p := range people {
		rows[i] = BoardRow{Participant: p, HasOpenID: p.OpenID != nil && *p.OpenID != ""}
	}
	for _, r := range resps {
		i, ok := -1, false
		if r.ParticipantID != nil {
			i, ok = index[*r.ParticipantID]
		}
		if !ok {
			i, ok = hashOwner[r.RespondentHash]
		}
		if ok {
			// Shown in the seminar's time zone, as everything organisers read.
			rows[i].Answered, rows[i].AnsweredAt, rows[i].Channel = true, r.SubmittedAt.In(loc), r.Channel
		}
	}
	if q.Anonymous {
		// Who answered an anonymous questionnaire is in Answered only.
		var whos []string
		if err := w.db.WithContext(ctx).Model(&model.Answered{}).Where("questionnaire_id = ? AND who IN ?", q.ID, hashes).Pluck("who", &whos).Error; err != nil {
			return nil, fmt.Errorf("who answered: %w", err)
		}
		for _, h := range whos {
			if i, ok := hashOwner[h]; ok {
				rows[i].Answered = true
			}
		}
	}
	if err := w.fillReach(ctx, rows, loc); err != nil {
		return nil, err
	}
	return rows, nil
}

// fillReach says how a reminder can reach each participant with a bound
// openid, by what the account type has: a template message, or a
// customer-service message while their last message to the account is
// less than 48 hours old.
func (w *Service) fillReach(ctx context.Context, rows []BoardRow, loc *time.Location) error {
	a, err := w.account(ctx)
	if err != nil {
		return err
	}
	channel := ReminderChannel(a.cfg)
	var openids []string
	for i := range rows {
		if !rows[i].HasOpenID {
			continue
		}
		if channel == ReachTemplate {
			rows[i].Reach = ReachTemplate
			continue
		}
		openids = append(openids, *rows[i].Participant.OpenID)
	}
	if channel != ReachCustom || len(openids) == 0 {
		return nil
	}
	// A follower's own message opens the window for 48 hours; its hour is
	// all that is kept, so the window is taken to end up to an hour early.
	now := w.now()
	var recent []model.WeChatFollower
	err = w.db.WithContext(ctx).Where("openid IN ? AND wrote_hour > ?", openids, now.UTC().Add(-service.CustomerServiceWindow)).Find(&recent).Error
	if err != nil {
		return fmt.Errorf("followers' last messages: %w", err)
	}
	until := map[string]time.Time{}
	for _, f := range recent {
		until[f.OpenID] = f.WroteHour.Add(service.CustomerServiceWindow)
	}
	for i := range rows {
		if !rows[i].HasOpenID || rows[i].Reach != "" {
			continue
		}
		if u, ok := until[*rows[i].Participant.OpenID]; ok && now.Before(u) {
			rows[i].Reach, rows[i].ReachUntil = ReachCustom, u.In(loc)
		}
	}
	return nil
}

// ReminderResult says how many reminders went out.
type ReminderResult struct{ Sent, Failed, AlreadySent, Unreachable int }

var errcodeRe = regexp.MustCompile(`errcode=(\d+)`)

// SendReminders reminds every roster participant with a bound openid who
// has not answered, by what the account type has (fillReach): a template
// message, or a customer-service message inside the 48-hour window; the
// others are counted as unreachable. Each attempt is recorded, failures
// included.
func (w *Service) SendReminders(ctx context.Context, q *service.Loaded, sentBy string) (ReminderResult, error) {
	a, err := w.account(ctx)
	if err != nil {
		return ReminderResult{}, err
	}
	if !wechatUsable(a.cfg) {
		return ReminderResult{}, ErrOff
	}
	if ReminderChannel(a.cfg) == "" {
		if service.CapabilitiesOf(a.cfg.AccountType).Templates {
			return ReminderResult{}, ErrRemindersOff // a template id would do
		}
		return ReminderResult{}, ErrNoReminderChannel
	}
	if q.Status != model.StatusOpen {
		return ReminderResult{}, service.ErrNotOpen
	}
	rows, err := w.rosterStatus(ctx, q)
	if err != nil {
		return ReminderResult{}, err
	}
	var res ReminderResult
	hour := w.now().Unix() / 3600
	for _, r := range rows {
		if r.Answered || !r.HasOpenID {
			continue
		}
		if r.Reach == "" {
			res.Unreachable++
			continue
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		p := r.Participant
		link := w.baseURL + "/s/" + q.Slug + "?t=" + url.QueryEscape(p.InviteToken)
		// Claim the reminder before sending it: the unique claim lets one
		// click on one replica send it, and a second click (here or on
		// another replica) within the hour find it taken.
		claim := fmt.Sprintf("q%dp%dh%d", q.ID, p.ID, hour)
		rec := model.Reminder{QuestionnaireID: q.ID, ParticipantID: p.ID, OpenID: *p.OpenID, SentAt: w.now().UTC(), SentBy: sentBy, Error: "sending", Claim: &claim}
		if err := w.db.WithContext(ctx).Create(&rec).Error; err != nil {
			if model.IsDuplicate(err) {
				res.AlreadySent++
				continue
			}
			return res, fmt.Errorf("record reminder: %w", err)
		}
		var msgID int64
		if r.Reach == ReachTemplate {
			msgID, err = w.sendTemplateReminder(a, q, *p.OpenID, link, claim)
			err = w.noteRefusal(ctx, "template", err)
		} else {
			err = w.sendCustomReminder(a, q, *p.OpenID, link)
			err = w.noteRefusal(ctx, "custom", err)
		}
		outcome := map[string]any{"ok": err == nil, "error": "", "sent_at": w.now().UTC()}
		if err != nil {
			msg := err.Error()
			if errors.Is(err, ErrUnauthorizedAPI) {
				msg = ErrNoReminderChannel.Error() + " (48001)"
			}
			outcome["error"] = truncateRunes(msg, 500)
			outcome["claim"] = nil // release: the failure stays recorded, a retry may send
			res.Failed++
		} else {
			if msgID != 0 {
				outcome["msg_id"] = strconv.FormatInt(msgID, 10)
			}
			res.Sent++
		}
		if err := w.db.WithContext(context.WithoutCancel(ctx)).Model(&model.Reminder{}).Where("id = ?", rec.ID).Updates(outcome).Error; err != nil {
			return res, fmt.Errorf("record reminder: %w", err)
		}
	}
	return res, nil
}

// templateValueMax is what the platform shows of a template keyword value
// (since 4 May 2023 longer values are cut without an error).
const templateValueMax = 20

// sendTemplateReminder sends the reminder template message: the
// questionnaire and the seminar, each cut to what the platform shows. The
// first and remark fields are not sent: the platform stopped showing them.
func (w *Service) sendTemplateReminder(a *wechatAccount, q *service.Loaded, openid, link, clientMsgID string) (int64, error) {
	title := q.Def.Title.In("zh")
	seminar := ""
	if q.Seminar != nil {
		seminar = q.Seminar.Title.In("zh")
	}
	msg := &message.TemplateMessage{
		ToUser: openid, TemplateID: a.cfg.ReminderTemplateID, URL: link,
		Data: map[string]*message.TemplateDataItem{
			"keyword1": {Value: truncateRunes(title, templateValueMax)},
			"keyword2": {Value: truncateRunes(seminar, templateValueMax)},
		},
		// The platform drops a repeat within the hour (a double click).
		ClientMsgID: clientMsgID,
	}
	msgID, err := a.oa.GetTemplate().Send(msg)
	if err != nil && tokenRejected(err) {
		a.tokens.Invalidate()
		msgID, err = a.oa.GetTemplate().Send(msg)
	}
	return msgID, err
}

// sendCustomReminder sends the reminder as a customer-service text message
// with the link, in both languages.
func (w *Service) sendCustomReminder(a *wechatAccount, q *service.Loaded, openid, link string) error {
	text := "请填写研讨会评估问卷《" + q.Def.Title.In("zh") + "》（约 3 分钟）：\n" + link +
		"\n\nPlease answer the seminar evaluation “" + q.Def.Title.In("en") + "” (about 3 minutes)."
	msg := message.NewCustomerTextMessage(openid, text)
	err := a.oa.GetCustomerMessageManager().Send(msg)
	if err != nil && tokenRejected(err) {
		a.tokens.Invalidate()
		err = a.oa.GetCustomerMessageManager().Send(msg)
	}
	return err
}

func tokenRejected(err error) bool {
	m := errcodeRe.FindStringSubmatch(err.Error())
	return m != nil && (m[1] == "40001" || m[1] == "42001" || m[1] == "40014")
}

// ---- QR codes -----------------------------------------------------------------

// QR kinds, for the poster's caption.
const (
	QRWeChat = "wechat" // the account's parametric QR: follow, then the news card
	QRLocal  = "local"  // the link itself, when WeChat is not configured
)

// QRCode returns the PNG to project for q: the account's permanent
// parametric QR (scene "q_<slug>") when WeChat is configured and the account
// type has parametric QR codes, otherwise a
// QR of the link. A platform failure falls back to the link, logged.
func (w *Service) QRCode(ctx context.Context, q *model.Questionnaire, size int) ([]byte, string, error) {
	link := w.baseURL + "/s/" + q.Slug
	if w.Enabled(ctx) && w.Capabilities(ctx).QRCodes {
		png, err := w.wechatQR(ctx, q)
		if err == nil {
			return png, QRWeChat, nil
		}
		w.log.Warn("wechat QR failed; showing a QR of the link instead", "questionnaire", q.ID, "err", err)
	}
	png, err := qrcode.Encode(link, qrcode.Medium, size)
	if err != nil {
		return nil, "", fmt.Errorf("encode QR: %w", err)
	}
	return png, QRLocal, nil
}

type qrTicket struct {
	Ticket string `json:"ticket"`
	URL    string `json:"url"`
}

// wechatQR creates the permanent QR once per account and scene (they are
// limited in number) and keeps its ticket in settings.
func (w *Service) wechatQR(ctx context.Context, q *model.Questionnaire) ([]byte, error) {
	a, err := w.account(ctx)
	if err != nil {
		return nil, err
	}
	scene := QuestionnaireScene(q)
	sum := sha256.Sum256([]byte(a.cfg.AppID + "\x00" + scene))
	key := "wxqr." + hex.EncodeToString(sum[:16])
	stored, err := readJSONSetting[qrTicket](ctx, w.db, key)
	var tk qrTicket
	switch {
	case err != nil:
		return nil, fmt.Errorf("read QR ticket: %w", err)
	case stored != nil:
		tk = *stored
	default:
		// String scene: an int scene makes the SDK panic on type assertion.
		t, err := a.oa.GetBasic().GetQRTicket(basic.NewLimitQrRequest(scene))
		if err != nil && tokenRejected(err) {
			a.tokens.Invalidate()
			t, err = a.oa.GetBasic().GetQRTicket(basic.NewLimitQrRequest(scene))
		}
		if err != nil {
			return nil, fmt.Errorf("create QR ticket: %w", w.noteRefusal(ctx, "qrcode", err))
		}
		tk = qrTicket{Ticket: t.Ticket, URL: t.URL}
		b, _ := json.Marshal(tk)
		if err := w.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&model.Setting{Key: key, Value: string(b)}).Error; err != nil {
			return nil, fmt.Errorf("store QR ticket: %w", err)
		}
	}
	// The SDK's ShowQRCode does not escape the ticket, whose '+' and '/'
	// then break the URL.
	u := strings.TrimRight(a.cfg.MPBaseURL, "/") + "/cgi-bin/showqrcode?ticket=" + url.QueryEscape(tk.Ticket)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := w.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch QR image: %w", err)
	}
	defer resp.Body.Close()
	body, err := readAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("fetch QR image: %w", err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(http.DetectContentType(body), "image/") {
		return nil, fmt.Errorf("fetch QR image: HTTP %d %s", resp.StatusCode, http.DetectContentType(body))
	}
	return body, nil
}
