// Package service holds the core use cases of seminareval: questionnaires,
// submissions, seminars, audit, settings and their sealing, retention.
// Its neighbours are service/definition (the definition format),
// service/xlsform (XLSForm import), service/roster (participant lists),
// service/account (console users and API tokens), service/report
// (statistics, narrative, Excel, CSV), service/wechat (the official
// account), service/spreadsheet (what every spreadsheet reader and writer
// shares) and service/wire (every service built once). Functions take ctx
// first and open their own transactions; nothing here knows about HTTP.
package service
