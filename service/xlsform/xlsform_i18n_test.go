package xlsform

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"seminareval/model"
	"seminareval/service/definition"
	"seminareval/templates"
)

// manyWarnings is a workbook that imports with a warning of nearly every
// kind: metadata, calculate, hidden and external rows, ignored columns,
// appearances, constraint messages, settings and sheets.
func manyWarnings() map[string][][]any {
	stray := "stray"
	return map[string][][]any{
		"survey": {
			{"type", "name", "label", "hint", "required", "appearance", "constraint", "constraint_message", "required_message", "parameters", "default", "guidance_hint", "image", "bind::foo", "colour", "relevant", ""},
			{"start", "start"},
			{"end", "end"},
			{"calculate", "score"},
			{"hidden", "h1"},
			{"xml-external", "ext1"},
			{"begin group", "g1", "Group one", "A hint", "", "field-list compact"},
			{"select_one agree5", "k1", "Knowledge", "", "yes", "likert"},
			{"select_one yn", "yn1", "Yes?", "", "", "minimal", "", "", "", "", "", "think", "pic.png", "x", "red", "", stray},
			{"end group"},
			{"note", "n1", "A note", "", "yes", "", "", "", "", "", "", "", "", "", "", "", stray},
			{"range", "r1", "Range", "", "", "", "", "", "", "start=1 end=7", "", "", "", "", "", "", stray},
			{"text", "t1", "Text", "", "", "", "string-length(.) <= 100", "Too long", "Please", "", "none", "", "", "", "", "", stray},
			{"integer", "i1", "Int", "", "", "", "", "x", "", "foo=1", "", "", "", "", "", "", stray},
			{"integer", "i2", "Int2", "", "", "", ". >= 3", "x", "", "", "", "", "", "", "", "", stray},
			{"decimal", "d1", "Dec", "", "", "", ". <= 2.5", "y", "", "", "", "", "", "", "", "", stray},
			{"date", "dt1", "Date", "", "", "", ". >= date('2020-01-01') and . <= date('2020-12-31')", "z", "", "", "", "", "", "", "", "", stray},
			{"integer", "rt1", "Rating", "", "", "", ". >= 1 and . <= 5", "z", "", "", "", "", "", "", "", "", stray},
			{"integer", "nps1", "NPS", "", "", "", ". >= 0 and . <= 10", "z", "", "", "", "", "", "", "", "", stray},
			{"text", "after", "After", "", "", "", "", "", "", "", "", "", "", "", "", "${k1} = 'sa'", stray},
		},
		"choices": {
			{"list_name", "name", "label", "label::Chinese (zh)", "media::image", "filter"},
			{"agree5", "sd", "Strongly disagree", "非常不同意"},
			{"agree5", "d", "Disagree", "不同意"},
			{"agree5", "n", "Neutral", "一般"},
			{"agree5", "a", "Agree", "同意"},
			{"agree5", "sa", "Strongly agree", "非常同意"},
			{"yn", "yes", "Yes", "是", "yes.png", "f"},
			{"yn", "no", "No", "否"},
		},
		"settings": {
			{"form_id", "version", "style", "colour", "allow_choice_duplicates"},
			{"my_form", "3", "pages", "blue", "yes"},
			{"second row"},
		},
		"surveys":          {{"type"}, {"text"}},
		"notes":            {{"just notes"}},
		"external_choices": {{"list_name", "name"}, {"x", "y"}},
		"entities":         {{"list_name"}, {"people"}},
		"osm":              {{"list_name"}, {"building"}},
	}
}

var manyWarningsOrder = []string{"survey", "choices", "settings", "surveys", "notes", "external_choices", "entities", "osm"}

// manyProblems is a workbook refused for a problem of nearly every kind.
func manyProblems() map[string][][]any {
	return map[string][][]any{
		"survey": {
			{"type", "name", "label::English (en)", "label::Chinese (zh)", "label::French (fr)", "required", "appearance", "constraint", "parameters", "read_only", "choice_filter", "relevant", "hint", "hint"},
			{"", "x", "orphan"},
			{"begin repeat", "rep", "Rep", "重复"},
			{"end repeat"},
			{"begin group", "g1", "G1", "组1"},
			{"begin group", "g2", "G2", "组2"},
			{"end group"},
			{"end group"},
			{"end group"},
			{"time", "t", "T", "时"},
			{"select_one_from_file cities.csv", "c", "C", "城"},
			{"text or_other", "tx", "Tx", "文"},
			{"text", "ro", "RO", "只读", "", "", "", "", "", "yes"},
			{"text", "rq", "Rq", "必", "", "maybe"},
			{"select_one", "s0", "S0", "选0"},
			{"select_one nosuch", "s1", "S1", "选1"},
			{"select_one piped", "s2", "S2", "选2"},
			{"select_one four", "lk4", "L4", "量4", "", "", "likert"},
			{"select_one badscale", "lkd", "Ld", "量d", "", "", "likert"},
			{"select_one agree5 or_other", "lko", "Lo", "量o", "", "", "likert"},
			{"select_one role or_other", "rl", "Role", "角色"},
			{"hologram", "h", "H", "全息"},
			{"range", "rg", "Rg", "范围", "", "", "", "", "start=0 end=10 step=2"},
			{"text", "c1", "C1", "约1", "", "", "", "${rl} = 'x'"},
			{"text", "c2", "C2", "约2", "", "", "", "regex(., 'a')"},
			{"select_multiple role", "c3", "C3", "约3", "", "", "", "count-selected(.) <= 2"},
			{"text", "c4", "C4", "约4", "", "", "", "string-length(.) >= 3"},
			{"select_multiple role", "c5", "C5", "约5", "", "", "", "not(selected(., 'a') and selected(., 'b'))"},
			{"integer", "c6", "C6", "约6", "", "", "", ". != 3"},
			{"text", "ap1", "Ap1", "外1", "", "", "ex:org.app"},
			{"select_one role", "ap2", "Ap2", "外2", "", "", "label"},
			{"date", "ap3", "Ap3", "外3", "", "", "month-year"},
			{"select_one role", "ap4", "Ap4", "外4", "", "", "search('x')"},
			{"select_one role", "cf", "Cf", "筛", "", "", "", "", "", "", "x"},
			{"text", "pipe", "Hello ${tx}", "你好 ${tx}"},
			{"text", "recommend", "R1", "推1"},
			{"text", "recommend", "R2", "推2"},
			{"text", "nozh", "No zh", ""},
			{"text", "later", "Later", "后", "", "", "", "", "", "", "", "${last} = 'x'"},
			{"text", "last", "Last", "末"},
			{"text", "unref", "Unref", "无", "", "", "", "", "", "", "", "${nosuchq} = 'a'"},
			{"begin group", "tail", "Tail", "尾"},
		},
		"choices": {
			{"list_name", "name", "label::English (en)", "label::Chinese (zh)"},
			{"", "orphan_name", "O", "孤"},
			{"lst", "", "L", "列"},
			{"piped", "p1", "${tx} one", "${tx} 一"},
			{"piped", "p2", "Two", "二"},
			{"four", "1", "One", "一"}, {"four", "2", "Two", "二"}, {"four", "3", "Three", "三"}, {"four", "4", "Four", "四"},
			{"badscale", "x1", "Bad", "差"}, {"badscale", "x2", "Poor", "较差"}, {"badscale", "x3", "OK", "一般"}, {"badscale", "x4", "Good", "好"}, {"badscale", "x5", "Great", "很好"},
			{"agree5", "1", "1", "1"}, {"agree5", "2", "2", "2"}, {"agree5", "3", "3", "3"}, {"agree5", "4", "4", "4"}, {"agree5", "5", "5", "5"},
			{"role", "police", "Police", "公安"},
			{"role", "other", "Other", "其他"},
		},
		"settings": {
			{"form_title::English (en)", "form_title::Chinese (zh)", "form_id", "default_language", "public_key", "add_none_option", "anonymous"},
			{"T", "题", "probs", "Swahili", "MIIB", "yes", "perhaps"},
		},
	}
}

// englishRun is three or more Latin words in a row: a sentence left in
// English. Sheet, column and type names, quoted cells and paths are one or
// two words.
var englishRun = regexp.MustCompile(`[A-Za-z]+(?: [A-Za-z]+){2,}`)

// checkChinese fails unless zh is ps in Chinese: the same problems, codes
// and paths, each message translated whole (no English sentence left,
// no key shown instead of a text).
func checkChinese(t *testing.T, ps, zh []model.Problem) {
	t.Helper()
	if len(zh) != len(ps) {
		t.Fatalf("%d problems in Chinese, %d in English", len(zh), len(ps))
	}
	for i, p := range ps {
		z := zh[i]
		switch {
		case z.Code != p.Code || z.Path != p.Path:
			t.Errorf("%s: %s became %s: %s", p.Path, p.Code, z.Path, z.Code)
		case z.Message == p.Message || !strings.ContainsFunc(z.Message, func(r rune) bool { return unicode.Is(unicode.Han, r) }):
			t.Errorf("%s: %s is not in Chinese: %q", p.Path, p.Code, z.Message)
		case strings.Contains(z.Message, "problem.xls."):
			t.Errorf("%s: %s shows a key: %q", p.Path, p.Code, z.Message)
		case englishRun.MatchString(z.Message):
			t.Errorf("%s: %s leaves English in the Chinese: %q (%q)", p.Path, p.Code, z.Message, englishRun.FindString(z.Message))
		}
	}
}

// messagesAt is path → message of ps.
func messagesAt(ps []model.Problem) map[string]string {
	out := map[string]string{}
	for _, p := range ps {
		out[p.Path] = p.Message
	}
	return out
}

// TestXLSFormProblemsComeInChinese: every problem of a workbook refused for
// nearly every reason reads in Chinese after templates.Localize, with its
// code and path, the reasons it quotes and the definition's problems mapped
// to their rows included; the English messages are the ones authors and
// docs/xlsform.md know.
func TestXLSFormProblemsComeInChinese(t *testing.T) {
	_, _, err := Parse(workbook(t, manyProblems()), Options{})
	ps, ok := definition.AsInvalid(err)
	if !ok || len(ps) < 40 {
		t.Fatalf("err = %v, want some 40 problems", err)
	}
	checkChinese(t, ps, templates.Localize("zh", ps))
	if en := templates.Localize("en", ps); !slicesEqual(en, ps) {
		t.Errorf("Localize(en) changed the English messages")
	}
	en, zh := messagesAt(ps), messagesAt(templates.Localize("zh", ps))
	for _, c := range []struct{ path, en, zh string }{
		{"survey row 3, type", "type begin repeat (a repeat: a response has one answer per question here) is not supported", "不支持类型 begin repeat（重复组：在本服务中，每份答卷的每个问题只有一个回答）"},
		{"survey row 6, type", "a group inside the group of row 5 is not supported: sections cannot be nested (end the outer group first)", "不支持在第 5 行的组内再开始一个组：部分不能嵌套（请先结束外层的组）"},
		{"survey row 29, constraint", `constraint ". != 3" (a rule on the answer) is not supported: only a text's maximum length (string-length(.) <= 500) and the bounds of a number or date (. >= 0 and . <= 50, . >= date('2018-01-10')) can be enforced`, `不支持约束 ". != 3"（对回答的规则）：只能强制执行文本的最大长度（string-length(.) <= 500）以及数字或日期的上下限（. >= 0 and . <= 50、. >= date('2018-01-10')）`},
		{"survey row 34, choice_filter", "choice_filter (choices that depend on an earlier answer) is not supported", "不支持 choice_filter（随先前回答而变化的选项）"},
		{"choices row 4, label", "the label quotes an answer (${tx}, ${tx}): text that changes with earlier answers is not supported", "label 引用了回答（${tx}、${tx}）：不支持随先前回答而变化的文本"},
		{"settings row 2, public_key", "public_key (encrypted submissions) is not supported: responses would be stored unencrypted here", "不支持 public_key（加密提交）：在本服务中答卷会以未加密形式保存"},
		// Problems of the definition, their paths rewritten into rows.
		{"survey row 37, name", `"recommend" is already used at survey row 36`, `"recommend" 已在 survey row 36 使用`},
		{"survey row 38, label::zh", "required: the questionnaire is in English and Chinese, and every text is needed in each", "必填：问卷使用英文和中文，每种语言都需要所有文本"},
		{"survey row 39, relevant", "${last} comes later: a condition may only use earlier questions", "${last} 在后面：条件只能使用前面的问题"},
	} {
		if en[c.path] != c.en {
			t.Errorf("%s in English: %q, want %q", c.path, en[c.path], c.en)
		}
		if zh[c.path] != c.zh {
			t.Errorf("%s in Chinese: %q, want %q", c.path, zh[c.path], c.zh)
		}
	}
}

// TestXLSFormWarningsComeInChinese: the same for the warnings of a workbook
// that imports with nearly every kind of warning.
func TestXLSFormWarningsComeInChinese(t *testing.T) {
	_, ws, err := Parse(workbook(t, manyWarnings(), manyWarningsOrder...), Options{})
	if err != nil || len(ws) < 30 {
		t.Fatalf("err = %v, %d warnings, want an import with some 30", err, len(ws))
	}
	checkChinese(t, ws, templates.Localize("zh", ws))
	en, zh := messagesAt(ws), messagesAt(templates.Localize("zh", ws))
	for _, c := range []struct{ path, en, zh string }{
		{"survey", "metadata rows are not collected: start (row 2), end (row 3) (this service records when each response is submitted)", "不收集元数据行：start（第 2 行）、end（第 3 行）（本服务会记录每份答卷的提交时间）"},
		{"survey column Q", "column Q has no name in row 1: its cells (rows 9, 11, 12, 13, 14, 15, 16, 17, and 3 more) are not read", "Q 列在第 1 行没有列名：其中的单元格（第 9、11、12、13、14、15、16、17 行，另有 3 行）不会被读取"},
		{"survey column M", `column "image" is not read (row 9): pictures, sounds and videos are not shown with questions`, `"image" 列不会被读取（第 9 行）：问题不显示图片、声音和视频`},
		{"survey row 13, constraint_message", `constraint_message is not shown: the participant sees this service's own message ("at most 100 characters")`, "constraint_message 不会显示：参与者看到的是本服务自己的提示（“最多 100 个字符”）"},
		{"survey row 17, constraint_message", `constraint_message is not shown: the participant sees this service's own message ("from 2020-01-01 to 2020-12-31")`, "constraint_message 不会显示：参与者看到的是本服务自己的提示（“2020-01-01 至 2020-12-31”）"},
		{"choices column D", `column "label::Chinese (zh)" is not used: the survey's labels are not written in Chinese, so the questionnaire is in English only`, `"label::Chinese (zh)" 列未被使用：survey 表的标签没有中文文本，因此问卷只使用英文`},
		{"settings row 2, version", "setting version is ignored: the version of a form is not kept", "设置 version 已忽略：不保留表单的版本"},
		{"surveys", "sheet surveys is not read: did you mean survey?", "工作表 surveys 不会被读取：您是想写 survey 吗？"},
		{"survey row 20, relevant", "the condition is kept as ${k1} = 5: a Likert question's answers are its levels, 5 (strongly agree) to 1", "条件保存为 ${k1} = 5：李克特量表题的回答是其等级，从 5（非常同意）到 1"},
	} {
		if en[c.path] != c.en {
			t.Errorf("%s in English: %q, want %q", c.path, en[c.path], c.en)
		}
		if zh[c.path] != c.zh {
			t.Errorf("%s in Chinese: %q, want %q", c.path, zh[c.path], c.zh)
		}
	}
}

// TestTwoMessagesOfOneCellAreJoinedInTheReadersLanguage: the merge of two
// problems of one cell keeps both as catalogue texts.
func TestTwoMessagesOfOneCellAreJoinedInTheReadersLanguage(t *testing.T) {
	ps := sortProblems([]model.Problem{
		xlsProblem("ignored_parameters", "survey row 4, parameters", "a=1"),
		xlsProblem("ignored_parameters", "survey row 4, parameters", "b=2"),
	})
	if len(ps) != 1 || ps[0].Code != "ignored_parameters" || ps[0].Message != `parameters "a=1" are ignored; parameters "b=2" are ignored` {
		t.Fatalf("merged = %+v", ps)
	}
	if zh := templates.Localize("zh", ps)[0]; zh.Message != `parameters "a=1" 已忽略；parameters "b=2" 已忽略` || zh.Path != "survey row 4, parameters" {
		t.Errorf("merged in Chinese = %+v", zh)
	}
}

// TestEveryXLSFormMessageIsInTheCatalogue: the keys named in this package's
// code, and those made from its tables (types, settings, columns), are all
// in the catalogue, also for problems no test workbook makes.
func TestEveryXLSFormMessageIsInTheCatalogue(t *testing.T) {
	c := templates.Messages()
	var keys []string
	literal := regexp.MustCompile(`(?:refuse|warn|xlsMsg|fileProblem|xlsProblem|refuseType)\("([a-z_.]+)"`)
	for _, file := range []string{"xlsform.go", "xlsform_survey.go"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			if !strings.HasSuffix(m[1], ".") { // a prefix, completed from a table below
				keys = append(keys, m[1])
			}
		}
	}
	if len(keys) < 60 {
		t.Fatalf("found %d keys in the code: is the pattern out of date?", len(keys))
	}
	for _, what := range refusedTypes {
		keys = append(keys, "kind."+what)
	}
	for field, rule := range settingsColumns {
		switch {
		case rule.refused:
			keys = append(keys, "unsupported_setting."+field)
		case rule.why != "":
			keys = append(keys, "reason."+rule.why)
		}
	}
	for field, rule := range surveyColumns {
		switch {
		case rule.refused:
			keys = append(keys, "unsupported_column."+field)
		case rule.ignored != "":
			keys = append(keys, "reason."+rule.ignored)
		}
	}
	for _, h := range []string{"bind::x", "nosuch"} {
		keys = append(keys, "reason."+columnRule(h).ignored)
	}
	for _, k := range []string{"block.group", "block.repeat", "block.loop", "language.en", "language.zh",
		"ignored_sheet.external_choices", "ignored_sheet.entities", "ignored_sheet.osm",
		"told.number_min", "told.number_max", "told.number_range", "told.date_min", "told.date_max", "told.date_range"} {
		keys = append(keys, k)
	}
	for _, k := range keys {
		if !c.Has("problem.xls." + k) {
			t.Errorf("problem.xls.%s is not in the catalogue", k)
		}
	}
}

func slicesEqual(a, b []model.Problem) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Message != b[i].Message || a[i].Code != b[i].Code || a[i].Path != b[i].Path {
			return false
		}
	}
	return true
}
