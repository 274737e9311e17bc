package roster

// FuzzParseRoster: `go test` replays the seeds and the corpus kept under
// testdata/fuzz/FuzzParseRoster/; to search for new inputs:
//
//	go test -run XXX -fuzz FuzzParseRoster -fuzztime 60s ./service/roster/

import (
	"testing"

	"seminareval/service/servicetest"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte("\ufeffname,organisation,country,group,email,phone\n张伟,公安部,China,China,zw@example.cn,+86 10 1234\nAnna Schmidt,BKA,Germany,Europe,,\n"))
	f.Add([]byte(`[{"name":"张伟","organisation":"公安部","country":"China","group":"China"},{"name":"Anna","email":"a@example.eu"}]`))
	f.Add([]byte("姓名,单位,国家,组别\n张伟,公安部,中国,China\n\"quoted, name\",\"multi\nline\",x,y\n"))
	f.Add([]byte("name\n=HYPERLINK(\"http://x\")\n"))
	f.Add(servicetest.Workbook(f, [][]any{{"Name", "Organisation", "Country", "Group"}, {"张伟", "公安部", "China", "China"}, {"Anna", "BKA", "Germany", "Europe"}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			return
		}
		if file == nil {
			t.Fatal("no file and no error")
		}
		if len(file.Rows) > MaxRows {
			t.Fatalf("%d rows accepted, limit %d", len(file.Rows), MaxRows)
		}
	})
}
