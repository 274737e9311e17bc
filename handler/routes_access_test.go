package handler

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service/roster"
)

// routeAccess says who may use every /admin and /api route: "METHOD path"
// (the gin pattern) → the roles allowed. TestEveryConsoleAndAPIRouteIsGuarded
// walks the router and fails for a route missing here, so a new route must be
// classified: ADD A ROW FOR EVERY ROUTE YOU ADD.
//
// accessPublic routes answer anonymous visitors; every other route must send
// an anonymous browser to the login page (/admin) or answer 401 (/api), and
// answer 403 to a signed-in role not listed.
var routeAccess = map[string][]string{
	// Sign-in (handler/admin_routes.go).
	"GET /admin/login":   accessPublic,
	"POST /admin/login":  accessPublic,
	"POST /admin/logout": accessEveryone,

	// Seminars, rosters, account, tokens, users, audit (handler/admin_*.go).
	"GET /admin/":                                       accessEveryone,
	"GET /admin/seminars":                               accessEveryone,
	"GET /admin/seminars/:id":                           accessEveryone, // organisers: assigned seminars only (canSeeSeminar)
	"GET /admin/account":                                accessEveryone,
	"POST /admin/account/password":                      accessEveryone,
	"GET /admin/tokens":                                 accessEveryone,
	"POST /admin/tokens":                                accessEveryone,
	"POST /admin/tokens/:id/revoke":                     accessEveryone, // own tokens; admins any
	"GET /admin/seminars/new":                           accessStaff,
	"POST /admin/seminars":                              accessStaff,
	"GET /admin/seminars/:id/edit":                      accessStaff,
	"POST /admin/seminars/:id":                          accessStaff,
	"POST /admin/seminars/:id/organisers":               accessStaff,
	"GET /admin/seminars/:id/roster":                    accessStaff,
	"POST /admin/seminars/:id/roster/preview":           accessStaff,
	"POST /admin/seminars/:id/roster/import":            accessStaff,
	"POST /admin/seminars/:id/participants/:pid/unbind": accessStaff,
	"POST /admin/seminars/:id/participants/:pid/delete": accessStaff,
	"POST /admin/seminars/:id/delete":                   accessAdmin,
	"GET /admin/seminars/:id/roster.csv":                accessStaff,
	"GET /admin/seminars/:id/roster.xlsx":               accessStaff,
	"GET /admin/seminars/:id/invites":                   accessStaff,
	"GET /admin/seminars/:id/participants/:pid/qr.png":  accessStaff,
	"GET /admin/users":                                  accessAdmin,
	"POST /admin/users":                                 accessAdmin,
	"GET /admin/users/:id":                              accessAdmin,
	"POST /admin/users/:id":                             accessAdmin,
	"POST /admin/users/:id/password":                    accessAdmin,
	"GET /admin/audit":                                  accessAdmin,

	// Questionnaires (handler/admin_questionnaires.go).
	"GET /admin/questionnaires":                 accessStaff,
	"GET /admin/questionnaires/new":             accessStaff,
	"POST /admin/questionnaires":                accessStaff,
	"GET /admin/questionnaires/:id":             accessStaff,
	"POST /admin/questionnaires/:id":            accessStaff,
	"GET /admin/questionnaires/:id/preview":     accessStaff,
	"POST /admin/questionnaires/:id/preview":    accessStaff,
	"POST /admin/questionnaires/:id/publish":    accessStaff,
	"POST /admin/questionnaires/:id/close":      accessStaff,
	"POST /admin/questionnaires/:id/reopen":     accessStaff,
	"POST /admin/questionnaires/:id/schedule":   accessStaff,
	"POST /admin/questionnaires/:id/duplicate":  accessStaff,
	"GET /admin/questionnaires/:id/export.yaml": accessStaff,
	"GET /admin/questionnaires/:id/export.json": accessStaff,

	// Reports (handler/report_routes.go): organisers of the seminar too.
	"GET /admin/questionnaires/:id/report":        accessEveryone,
	"GET /admin/questionnaires/:id/report.xlsx":   accessEveryone,
	"GET /admin/questionnaires/:id/responses.csv": accessEveryone,

	// WeChat console (handler/wechat_console.go).
	"GET /admin/wechat":                         accessAdmin,
	"POST /admin/wechat/account-qr":             accessAdmin,
	"GET /admin/wechat/account-qr":              accessEveryone,
	"POST /admin/wechat":                        accessAdmin,
	"GET /admin/questionnaires/:id/poster":      accessEveryone,
	"GET /admin/questionnaires/:id/poster.json": accessEveryone,
	"GET /admin/questionnaires/:id/qr.png":      accessEveryone,
	"GET /admin/questionnaires/:id/board":       accessEveryone,
	"POST /admin/questionnaires/:id/reminders":  accessStaff,

	// API (handler/api_routes.go, api_roster.go, report_routes.go).
	"GET /api/v1/openapi.json":                       accessPublic,
	"POST /api/v1/seminars/:slug/participants":       accessStaff,
	"DELETE /api/v1/seminars/:slug/participants/:id": accessStaff,
	"DELETE /api/v1/seminars/:slug":                  accessAdmin,
	"POST /api/v1/questionnaires":                    accessStaff,
	"GET /api/v1/questionnaires/:id":                 accessStaff,
	"PUT /api/v1/questionnaires/:id":                 accessStaff,
	"POST /api/v1/questionnaires/:id/publish":        accessStaff,
	"POST /api/v1/questionnaires/:id/close":          accessStaff,
	"GET /api/v1/questionnaires/:id/summary":         accessEveryone,
	"GET /api/v1/questionnaires/:id/report.xlsx":     accessEveryone,
	"GET /api/v1/questionnaires/:id/responses.csv":   accessEveryone,
}

var (
	accessPublic   = []string{"public"}
	accessEveryone = []string{model.RoleAdmin, model.RoleStaff, model.RoleOrganiser}
	accessStaff    = []string{model.RoleAdmin, model.RoleStaff}
	accessAdmin    = []string{model.RoleAdmin}
)

// guardedRoute is a route under /admin or /api, the ones this test covers.
func guardedRoute(path string) bool {
	return path == "/admin" || strings.HasPrefix(path, "/admin/") || strings.HasPrefix(path, "/api/")
}

func TestEveryConsoleAndAPIRouteIsGuarded(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newTestApp(t, db)
		a.fastPasswords()
		ctx := context.Background()

		// Fixtures with id 1 of every kind a route parameter names, so that
		// allowed requests reach their handler with something real: a user
		// and a token that routes may change or revoke without harm, the
		// demo seminar and questionnaire, one participant.
		victim, err := a.srv.users.Create(ctx, "victim", model.RoleStaff, "victim password")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.srv.tokens.Create(ctx, victim.ID, "victim"); err != nil {
			t.Fatal(err)
		}
		q := a.demo()
		file, err := roster.Parse([]byte("name\nFixture Person\n"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.srv.rosters.Import(ctx, *q.SeminarID, file); err != nil {
			t.Fatal(err)
		}
		roles := map[string]consoleUser{}
		for _, r := range accessEveryone {
			roles[r] = a.signIn(r)
		}
		if err := a.srv.seminars.SetOrganisers(ctx, *q.SeminarID, []uint64{roles[model.RoleOrganiser].ID}); err != nil {
			t.Fatal(err)
		}
		params := map[string]string{":id": "1", ":pid": "1", ":slug": q.Seminar.Slug}

		var routes []accessRoute
		for _, r := range a.srv.engine.Routes() {
			if guardedRoute(r.Path) {
				routes = append(routes, accessRoute{r.Method, r.Path})
			}
		}
		// Logging out ends the session the later requests need: last.
		sort.SliceStable(routes, func(i, j int) bool { return routes[j].Path == "/admin/logout" && routes[i].Path != "/admin/logout" })

		seen := map[string]bool{}
		for _, r := range routes {
			key := r.Method + " " + r.Path
			seen[key] = true
			allowed, ok := routeAccess[key]
			if !ok {
				t.Errorf("route %s is not classified: add it to routeAccess in handler/routes_access_test.go", key)
				continue
			}
			path := r.Path
			for p, v := range params {
				path = strings.ReplaceAll(path, p, v)
			}
			api := strings.HasPrefix(r.Path, "/api/")
			public := len(allowed) == 1 && allowed[0] == "public"

			// Anonymous.
			res := a.do(a.newClient(), r.Method, path, "application/x-www-form-urlencoded", nil)
			switch {
			case public:
				// (401 from POST /admin/login is "wrong password", its job.)
				if (res.Code == http.StatusUnauthorized && key != "POST /admin/login") || res.Code == http.StatusForbidden || toLogin(res) {
					t.Errorf("%s is public but anonymous got %d %s", key, res.Code, res.Header.Get("Location"))
				}
			case api:
				if res.Code != http.StatusUnauthorized {
					t.Errorf("%s anonymous: %d, want 401", key, res.Code)
				}
			case r.Method == http.MethodGet:
				if res.Code != http.StatusFound || !toLogin(res) {
					t.Errorf("%s anonymous: %d %q, want 302 to the login page", key, res.Code, res.Header.Get("Location"))
				}
			default:
				if !(res.Code == http.StatusSeeOther && toLogin(res)) && res.Code != http.StatusUnauthorized {
					t.Errorf("%s anonymous: %d %q, want 303 to the login page or 401", key, res.Code, res.Header.Get("Location"))
				}
			}
			if public {
				continue
			}

			// Each role.
			for _, role := range accessEveryone {
				u := roles[role]
				if api {
					res = a.do(a.newClient(), r.Method, path, "application/json", strings.NewReader("{}"), "Authorization", "Bearer "+u.Token)
				} else {
					res = a.do(u.Client, r.Method, path, "application/x-www-form-urlencoded", nil)
				}
				may := containsRole(allowed, role)
				switch {
				case may && (res.Code == http.StatusUnauthorized || res.Code == http.StatusForbidden || toLogin(res)):
					t.Errorf("%s as %s: %d %q, want access", key, role, res.Code, res.Header.Get("Location"))
				case !may && res.Code != http.StatusForbidden:
					t.Errorf("%s as %s: %d, want 403", key, role, res.Code)
				}
			}
		}
		for key := range routeAccess {
			if !seen[key] {
				t.Logf("routeAccess lists %s, which the router does not have (renamed or removed?)", key)
			}
		}
	})
}

type accessRoute struct{ Method, Path string }

// toLogin reports a refusal by requireConsole: a redirect to the login page
// with the way back (logging out also ends on the login page, without one).
func toLogin(res response) bool {
	return strings.HasPrefix(res.Header.Get("Location"), "/admin/login?next=")
}
