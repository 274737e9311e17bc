package model_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
)

// A release that adds a column must make serve ask for `migrate` on MySQL,
// not fail on the first insert.
func TestNeedsMigrationSeesAMissingColumn(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		if model.NeedsMigration(ctx, db) {
			t.Fatal("a migrated database needs migration")
		}
		if err := db.Migrator().DropColumn(&model.Response{}, "pair_hash"); err != nil {
			t.Fatal(err)
		}
		if !model.NeedsMigration(ctx, db) {
			t.Error("a database without responses.pair_hash does not need migration")
		}
		if err := model.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		if model.NeedsMigration(ctx, db) || !db.Migrator().HasColumn(&model.Response{}, "pair_hash") {
			t.Error("migrate did not add responses.pair_hash back")
		}
	})
}
