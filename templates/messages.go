package templates

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"seminareval/model"

	"go.yaml.in/yaml/v3"
)

// The message catalogue: every text the product shows people — console,
// participant pages, the Excel annex, CSV headers, WeChat replies and the
// problems of definitions, rosters and answers — in one file per language,
// messages/<lang>.yaml, a flat map from key to text. Keys are prefixed by
// where they are used: "annex.", "field.", "page.", "problem.", "reply.",
// "roster.err.", "words."; console keys by their page ("q.", "report.",
// "seminar.", "wechat.", …). A text may hold fmt verbs; a translation may
// reorder them with %[n]. TestCatalogueHasEveryKeyInEveryLanguage fails when
// a key lacks a language.

//go:embed messages/*.yaml
var messageFiles embed.FS

// DefaultLang is the language a missing translation falls back to.
const DefaultLang = "en"

// Catalogue holds the texts of every language.
type Catalogue struct {
	texts map[string]map[string]string // lang → key → text
	langs []string
}

// LoadCatalogue reads the catalogue files of fsys (messages/*.yaml).
func LoadCatalogue(fsys fs.FS) (*Catalogue, error) {
	names, err := fs.Glob(fsys, "messages/*.yaml")
	if err != nil {
		return nil, err
	}
	c := &Catalogue{texts: map[string]map[string]string{}}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := yaml.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		lang := strings.TrimSuffix(path.Base(name), ".yaml")
		c.texts[lang] = m
		c.langs = append(c.langs, lang)
	}
	if _, ok := c.texts[DefaultLang]; !ok {
		return nil, fmt.Errorf("messages/%s.yaml is missing", DefaultLang)
	}
	slices.Sort(c.langs)
	return c, nil
}

var embedded = sync.OnceValues(func() (*Catalogue, error) { return LoadCatalogue(messageFiles) })

// Messages is the catalogue built into the binary. Its files are checked by
// the tests and at start-up (Check), so a broken file cannot ship.
func Messages() *Catalogue {
	c, err := embedded()
	if err != nil {
		panic("message catalogue: " + err.Error())
	}
	return c
}

// T is key in lang (or in English when lang lacks it), formatted with args
// when there are any. A missing key shows itself, so it is seen on the page
// and in tests rather than silently blank.
func (c *Catalogue) T(lang, key string, args ...any) string {
	s, ok := c.texts[lang][key]
	if !ok || s == "" {
		if s, ok = c.texts[DefaultLang][key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key is in the catalogue.
func (c *Catalogue) Has(key string) bool {
	_, ok := c.texts[DefaultLang][key]
	return ok
}

// Text is key in every language, language → text (a model.Text).
func (c *Catalogue) Text(key string) map[string]string {
	out := make(map[string]string, len(c.langs))
	for _, l := range c.langs {
		if s := c.texts[l][key]; s != "" {
			out[l] = s
		}
	}
	return out
}

// Prefixed is every key of lang that starts with prefix, without the
// prefix, with English where lang lacks one: Prefixed("zh", "annex.") is
// the annex's wording in Chinese, "title" → "评估汇总".
func (c *Catalogue) Prefixed(lang, prefix string) map[string]string {
	out := map[string]string{}
	for _, l := range []string{DefaultLang, lang} {
		for k, s := range c.texts[l] {
			if rest, ok := strings.CutPrefix(k, prefix); ok && s != "" {
				out[rest] = s
			}
		}
	}
	return out
}

// Langs lists the languages of the catalogue.
func (c *Catalogue) Langs() []string { return slices.Clone(c.langs) }

// Keys lists the keys of lang, sorted.
func (c *Catalogue) Keys(lang string) []string {
	keys := make([]string, 0, len(c.texts[lang]))
	for k := range c.texts[lang] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Check lists what is wrong with the catalogue: a key that one language has
// and another lacks or leaves empty, or a translation whose fmt verbs do not
// match the English ones (a translation that reorders with %[n] is compared
// by the highest argument it uses).
func (c *Catalogue) Check() []string {
	var problems []string
	all := map[string]bool{}
	for _, l := range c.langs {
		for k := range c.texts[l] {
			all[k] = true
		}
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		en := c.texts[DefaultLang][k]
		for _, l := range c.langs {
			s, ok := c.texts[l][k]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("%s: messages/%s.yaml lacks it", k, l))
			case strings.TrimSpace(s) == "":
				problems = append(problems, fmt.Sprintf("%s: empty in messages/%s.yaml", k, l))
			case l != DefaultLang && verbArgs(s) > verbArgs(en):
				problems = append(problems, fmt.Sprintf("%s: messages/%s.yaml uses more arguments than the English (%q, %q)", k, l, s, en))
			case l != DefaultLang && !strings.Contains(s, "%[") && strings.Count(s, "%") != strings.Count(en, "%"):
				problems = append(problems, fmt.Sprintf("%s: messages/%s.yaml has other fmt verbs than the English (%q, %q)", k, l, s, en))
			}
		}
	}
	return problems
}

// verbArgs is how many arguments the fmt verbs of s consume.
func verbArgs(s string) int {
	n, next := 0, 1
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		i++
		if i < len(s) && s[i] == '%' {
			continue
		}
		if i+1 < len(s) && s[i] == '[' {
			j := strings.IndexByte(s[i:], ']')
			if j > 0 {
				var k int
				if _, err := fmt.Sscanf(s[i+1:i+j], "%d", &k); err == nil {
					next = k
				}
				i += j
			}
		}
		n = max(n, next)
		next++
	}
	return n
}

// Problem is a problem whose message is key of the catalogue: Message is
// the English text, and the edge shows it in the reader's language with
// Localize.
func Problem(code, key string, args ...any) model.Problem {
	return model.Problem{Code: code, Key: key, Args: args, Message: Messages().T(DefaultLang, key, args...)}
}

// Localize is ps with each message in lang, where the catalogue has it.
func Localize(lang string, ps []model.Problem) []model.Problem {
	c := Messages()
	out := make([]model.Problem, len(ps))
	for i, p := range ps {
		if p.Key != "" && c.Has(p.Key) {
			p.Message = c.T(lang, p.Key, localizeArgs(lang, p.Args)...)
		}
		out[i] = p
	}
	return out
}

// Msg is an argument of a problem that is itself a text of the catalogue
// (a reason the problem quotes), translated with it.
type Msg struct {
	Key  string
	Args []any
}

// String is the English text, for the English message.
func (m Msg) String() string { return Messages().T(DefaultLang, m.Key, m.Args...) }

func localizeArgs(lang string, args []any) []any {
	out := args
	for i, a := range args {
		if m, ok := a.(Msg); ok {
			if &out[0] == &args[0] {
				out = slices.Clone(args)
			}
			out[i] = Messages().T(lang, m.Key, localizeArgs(lang, m.Args)...)
		}
	}
	return out
}
