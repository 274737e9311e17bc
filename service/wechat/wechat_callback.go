package wechat

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"seminareval/model"
	"seminareval/service"
	"seminareval/templates"
)

// This file answers the platform's pushes to /wechat/callback: signature
// and timestamp first (constant time), then decryption in safe mode, then
// one reply per message even when the platform's retries reach different
// replicas (a unique key in wechat_events, the stored reply repeated).

// ErrMalformedMessage is a push whose body is not a platform message.
var ErrMalformedMessage = errors.New("wechat: malformed message")

// ErrPlaintextRefused is a push without encryption to an account that has an
// EncodingAESKey (safe or compatible mode always encrypt).
var ErrPlaintextRefused = errors.New("wechat: plaintext push refused: an EncodingAESKey is configured, so pushes must be encrypted")

// MenuKeyEvaluate is the key of the menu's "Evaluate" click button.
const MenuKeyEvaluate = "EVALUATE"

// SceneQuestionnaire prefixes the scene of a questionnaire's QR code; the
// questionnaire id form is for slugs too long for a 64-byte scene.
const (
	SceneQuestionnaire   = "q_"
	SceneQuestionnaireID = "qid_"
)

// Keywords that answer with the open questionnaires; matched in lower case
// anywhere in the message.
var wechatKeywords = map[string]string{"问卷": "zh", "评估": "zh", "survey": "en", "evaluation": "en"}

// CallbackRequest is a push as the handler received it.
type CallbackRequest struct {
	Signature, MsgSignature, Timestamp, Nonce, EncryptType string
	Body                                                   []byte
}

// inbound is a pushed message; encoding/xml reads CDATA as text.
type inbound struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	Event        string   `xml:"Event"`
	EventKey     string   `xml:"EventKey"`
	Content      string   `xml:"Content"`
	MsgID        int64    `xml:"MsgId"`
	Encrypt      string   `xml:"Encrypt"`
}

// QuestionnaireScene is the QR scene string of a questionnaire.
func QuestionnaireScene(q *model.Questionnaire) string {
	if s := SceneQuestionnaire + q.Slug; len(s) <= 64 {
		return s
	}
	return SceneQuestionnaireID + strconv.FormatUint(q.ID, 10)
}

// CheckSignature checks a push's signature and timestamp, so that the
// handler can refuse a forged request before reading its body.
func (w *Service) CheckSignature(ctx context.Context, signature, timestamp, nonce string) error {
	a, err := w.account(ctx)
	if err != nil {
		return err
	}
	if !wechatUsable(a.cfg) {
		return ErrOff
	}
	return VerifySignature(signature, timestamp, w.now(), a.cfg.Token, timestamp, nonce)
}

// HandleCallback checks, decodes, deduplicates and answers one push. The
// returned body is the HTTP response: "success" when there is nothing to
// say, otherwise the reply XML (encrypted in safe and compatible modes).
func (w *Service) HandleCallback(ctx context.Context, req CallbackRequest) ([]byte, error) {
	a, err := w.account(ctx)
	if err != nil {
		return nil, err
	}
	cfg := a.cfg
	if !wechatUsable(cfg) {
		return nil, ErrOff
	}
	now := w.now()
	if err := VerifySignature(req.Signature, req.Timestamp, now, cfg.Token, req.Timestamp, req.Nonce); err != nil {
		return nil, err
	}
	encrypted := strings.EqualFold(req.EncryptType, "aes")
	if !encrypted && cfg.EncodingAESKey != "" {
		// Safe and compatible modes always encrypt: a plaintext push to an
		// account with a key is a replay or a forgery of a captured URL.
		return nil, ErrPlaintextRefused
	}
	var msg inbound
	if err := xml.Unmarshal(req.Body, &msg); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedMessage, err)
	}
	if encrypted {
		if cfg.EncodingAESKey == "" {
			return nil, fmt.Errorf("%w: encrypted push but no encoding_aes_key configured", ErrDecrypt)
		}
		if err := VerifySignature(req.MsgSignature, req.Timestamp, now, cfg.Token, req.Timestamp, req.Nonce, msg.Encrypt); err != nil {
			return nil, err
		}
		plain, err := DecryptMessage(cfg.EncodingAESKey, cfg.AppID, msg.Encrypt)
		if err != nil {
			return nil, err
		}
		msg = inbound{}
		if err := xml.Unmarshal(plain, &msg); err != nil {
			return nil, fmt.Errorf("%w: decrypted: %v", ErrMalformedMessage, err)
		}
	}
	if msg.FromUserName == "" || msg.MsgType == "" {
		return nil, fmt.Errorf("%w: no FromUserName or MsgType", ErrMalformedMessage)
	}

	reply, err := w.replyOnce(ctx, &msg)
	if err != nil {
		// Nothing stored or the database is slow: the platform gets
		// "success" rather than an error it would retry into.
		w.log.Warn("wechat callback", "event", msg.Event, "err", err)
		return []byte("success"), nil
	}
	if reply == "" {
		return []byte("success"), nil
	}
	if !encrypted {
		return []byte(reply), nil
	}
	return encryptedReply(cfg, reply, now.Unix())
}

// dedupeKey identifies a message across the platform's retries: MsgId for
// user messages, the sender, time and event for events.
//
// The key is keyed (the respondents' HMAC): from a dump, nobody can try every
// follower and second to find who pushed what when.
func (w *Service) dedupeKey(m *inbound) string {
	if m.MsgID != 0 {
		return "msg:" + w.keyedHash("wechat-msg\x00"+strconv.FormatInt(m.MsgID, 10))
	}
	return "ev:" + w.keyedHash("wechat-event\x00"+m.ToUserName+"\x00"+m.FromUserName+"\x00"+strconv.FormatInt(m.CreateTime, 10)+"\x00"+m.Event+"\x00"+m.EventKey)
}

// keyedHash is the HMAC of text under the server secret (a plain SHA-256
// in tests built without the respondents' service).
func (w *Service) keyedHash(text string) string {
	if w.responses != nil {
		return w.responses.RespondentHash(0, text)
	}
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// replyOnce returns the reply to m, computing it the first time and
// repeating the stored one for every retry. The insert of the unique key
// decides which replica's reply is the reply.
func (w *Service) replyOnce(ctx context.Context, m *inbound) (string, error) {
	key := w.dedupeKey(m)
	db := w.db.WithContext(ctx)
	var prev model.WeChatEvent
	err := db.Select("reply").Where("dedupe_key = ?", key).Take(&prev).Error
	if err == nil {
		return prev.Reply, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return "", fmt.Errorf("look up event: %w", err)
	}
	reply, err := w.compose(ctx, m)
	if err != nil {
		return "", err
	}
	ev := model.WeChatEvent{DedupeKey: key, Event: truncateRunes(cmp.Or(m.Event, m.MsgType), 32),
		EventKey: truncateRunes(m.EventKey, 191), Reply: reply, ReceivedAt: w.now().UTC()}
	if err := db.Create(&ev).Error; err != nil {
		if !model.IsDuplicate(err) {
			return "", fmt.Errorf("store event: %w", err)
		}
		// Another replica answered this message first: repeat its reply.
		if err := db.Select("reply").Where("dedupe_key = ?", key).Take(&prev).Error; err != nil {
			return "", fmt.Errorf("read event: %w", err)
		}
		return prev.Reply, nil
	}
	if m.MsgType == "text" && m.FromUserName != "" {
		// A follower's own message opens the customer-service window.
		f := model.WeChatFollower{OpenID: truncateRunes(m.FromUserName, 64), WroteHour: w.now().UTC().Truncate(time.Hour)}
		if err := db.Clauses(clause.OnConflict{UpdateAll: true}).Create(&f).Error; err != nil {
			w.log.Warn("record follower's message", "err", err)
		}
	}
	return reply, nil
}

// compose decides what to say; "" is nothing.
func (w *Service) compose(ctx context.Context, m *inbound) (string, error) {
	switch {
	case m.MsgType == "event" && (m.Event == "subscribe" || m.Event == "SCAN"):
		scene := strings.TrimPrefix(m.EventKey, "qrscene_")
		if scene == "" {
			if m.Event == "SCAN" {
				return "", nil
			}
			return w.openQuestionnairesReply(ctx, m, w.followerLang(ctx, m.FromUserName))
		}
		return w.sceneReply(ctx, m, scene)
	case m.MsgType == "event" && m.Event == "CLICK" && m.EventKey == MenuKeyEvaluate:
		return w.openQuestionnairesReply(ctx, m, w.followerLang(ctx, m.FromUserName))
	case m.MsgType == "text":
		lang, ok := w.keywordIn(ctx, m.Content)
		if !ok {
			return "", nil
		}
		// "评估 Q7": the questionnaire of that short code, if it is open.
		if id, ok := codeIn(m.Content); ok {
			if q, err := w.questionnaires.Load(ctx, id); err == nil && service.CheckOpen(&q.Questionnaire, w.now()) == nil {
				return newsReply(m, []article{w.questionnaireArticle(m, !w.Capabilities(ctx).OAuth, &q.Questionnaire, q.Def.Title, q.Seminar, q.Def.Lang(lang))}), nil
			}
		}
		return w.openQuestionnairesReply(ctx, m, lang)
	}
	return "", nil
}

// keywordIn reports whether a follower's message asks for the
// questionnaires (the configured wechat.keyword or one of wechatKeywords),
// and in which language to answer.
func (w *Service) keywordIn(ctx context.Context, content string) (string, bool) {
	text := strings.ToLower(content)
	if cfg, err := w.Settings(ctx); err == nil && cfg.Keyword != "" && strings.Contains(text, strings.ToLower(cfg.Keyword)) {
		for _, r := range cfg.Keyword {
			if unicode.Is(unicode.Han, r) {
				return "zh", true
			}
		}
		return "en", true
	}
	for kw, lang := range wechatKeywords {
		if strings.Contains(text, kw) {
			return lang, true
		}
	}
	return "", false
}

// followerLang is the language the follower last answered in, or zh.
func (w *Service) followerLang(ctx context.Context, openid string) string {
	var r model.Response
	if err := w.db.WithContext(ctx).Select("lang").Where("openid = ?", openid).Order("id DESC").Take(&r).Error; err == nil && r.Lang != "" {
		return r.Lang
	}
	return "zh"
}

// reply is a WeChat reply text of the message catalogue ("reply.<key>").
func reply(lang, key string) string { return templates.Messages().T(lang, "reply."+key) }

func (w *Service) sceneReply(ctx context.Context, m *inbound, scene string) (string, error) {
	lang := w.followerLang(ctx, m.FromUserName)
	var q *service.Loaded
	var err error
	switch {
	case strings.HasPrefix(scene, SceneQuestionnaire):
		q, err = w.questionnaires.LoadBySlug(ctx, strings.TrimPrefix(scene, SceneQuestionnaire))
	case strings.HasPrefix(scene, SceneQuestionnaireID):
		id, perr := strconv.ParseUint(strings.TrimPrefix(scene, SceneQuestionnaireID), 10, 64)
		if perr != nil {
			err = model.ErrNotFound
		} else {
			q, err = w.questionnaires.Load(ctx, id)
		}
	default:
		err = model.ErrNotFound
	}
	if err != nil || q.Status == model.StatusDraft {
		if err != nil && !model.IsNotFound(err) {
			return "", err
		}
		return textReply(m, reply(lang, "unknown_scene")), nil
	}
	lang = q.Def.Lang(lang)
	return newsReply(m, []article{w.questionnaireArticle(m, !w.Capabilities(ctx).OAuth, &q.Questionnaire, q.Def.Title, q.Seminar, lang)}), nil
}

// questionnaireArticle is the news card of q. With personal (an account
// without web OAuth) its link is signed for the follower who asked (m).
func (w *Service) questionnaireArticle(m *inbound, personal bool, q *model.Questionnaire, title model.Text, sem *model.Seminar, lang string) article {
	desc := reply(lang, "tap_to_answer")
	if sem != nil {
		if t := sem.Title.In(lang); t != "" {
			desc = t + "\n" + desc
		}
	}
	link := w.baseURL + "/s/" + q.Slug + "?lang=" + url.QueryEscape(lang)
	if personal {
		link = w.PersonalLink(q, m.FromUserName, lang)
	}
	return article{Title: title.In(lang), Description: desc, URL: link}
}

func (w *Service) openQuestionnairesReply(ctx context.Context, m *inbound, lang string) (string, error) {
	qs, err := w.questionnaires.OpenNow(ctx)
	if err != nil {
		return "", fmt.Errorf("open questionnaires: %w", err)
	}
	if len(qs) == 0 {
		return textReply(m, reply(lang, "none_open")), nil
	}
	personal := !w.Capabilities(ctx).OAuth
	seminars := map[uint64]*model.Seminar{}
	var arts []article
	for i := range qs {
		var sem *model.Seminar
		if id := qs[i].SeminarID; id != nil {
			if seminars[*id] == nil {
				var s model.Seminar
				if err := w.db.WithContext(ctx).First(&s, *id).Error; err == nil {
					seminars[*id] = &s
				}
			}
			sem = seminars[*id]
		}
		arts = append(arts, w.questionnaireArticle(m, personal, &qs[i], qs[i].Title, sem, lang))
	}
	// A reply to a user's own message may hold one article, to an event
	// up to eight; more become a list of links.
	limit := 8
	if m.MsgType != "event" {
		limit = 1
	}
	if len(arts) <= limit {
		return newsReply(m, arts), nil
	}
	// Too many for cards: a list, each with its short code ("评估 Q7").
	keyword := service.DefaultKeyword
	if cfg, err := w.Settings(ctx); err == nil && cfg.Keyword != "" {
		keyword = cfg.Keyword
	}
	var b strings.Builder
	b.WriteString(reply(lang, "open_list"))
	for i, a := range arts {
		b.WriteString("\n\n" + a.Title + " (" + keyword + " " + ShortCode(&qs[i]) + ")\n" + a.URL)
	}
	return textReply(m, b.String()), nil
}

// ---- replies ----------------------------------------------------------------

type article struct {
	Title       string `xml:"Title"`
	Description string `xml:"Description"`
	PicURL      string `xml:"PicUrl,omitempty"`
	URL         string `xml:"Url"`
}

type replyMessage struct {
	XMLName      xml.Name  `xml:"xml"`
	ToUserName   string    `xml:"ToUserName"`
	FromUserName string    `xml:"FromUserName"`
	CreateTime   int64     `xml:"CreateTime"`
	MsgType      string    `xml:"MsgType"`
	Content      string    `xml:"Content,omitempty"`
	ArticleCount int       `xml:"ArticleCount,omitempty"`
	Articles     []article `xml:"Articles>item,omitempty"`
}

func textReply(m *inbound, text string) string {
	return marshalReply(replyMessage{ToUserName: m.FromUserName, FromUserName: m.ToUserName, CreateTime: m.CreateTime, MsgType: "text", Content: text})
}

func newsReply(m *inbound, arts []article) string {
	return marshalReply(replyMessage{ToUserName: m.FromUserName, FromUserName: m.ToUserName, CreateTime: m.CreateTime, MsgType: "news", ArticleCount: len(arts), Articles: arts})
}

func marshalReply(r replyMessage) string {
	b, err := xml.Marshal(r)
	if err != nil {
		return "" // only strings and ints: cannot happen
	}
	return string(b)
}

type encryptedEnvelope struct {
	XMLName      xml.Name `xml:"xml"`
	Encrypt      string   `xml:"Encrypt"`
	MsgSignature string   `xml:"MsgSignature"`
	TimeStamp    string   `xml:"TimeStamp"`
	Nonce        string   `xml:"Nonce"`
}

func encryptedReply(cfg service.WeChatConfig, reply string, now int64) ([]byte, error) {
	enc, err := EncryptMessage(cfg.EncodingAESKey, cfg.AppID, nil, []byte(reply))
	if err != nil {
		return nil, err
	}
	ts, nonce := strconv.FormatInt(now, 10), randomHex(5)
	return xml.Marshal(encryptedEnvelope{Encrypt: enc, MsgSignature: Signature(cfg.Token, ts, nonce, enc), TimeStamp: ts, Nonce: nonce})
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
