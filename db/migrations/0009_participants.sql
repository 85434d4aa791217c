CREATE TABLE "cash_flows" (
	"date" date NOT NULL,
	"category" text NOT NULL,
	"buy_crore" double precision NOT NULL,
	"sell_crore" double precision NOT NULL,
	"net_crore" double precision NOT NULL,
	CONSTRAINT "cash_flows_date_category_pk" PRIMARY KEY("date","category")
);
--> statement-breakpoint
CREATE TABLE "participant_positions" (
	"date" date NOT NULL,
	"participant" text NOT NULL,
	"future_index_long" integer NOT NULL,
	"future_index_short" integer NOT NULL,
	"future_stock_long" integer NOT NULL,
	"future_stock_short" integer NOT NULL,
	"option_index_call_long" integer NOT NULL,
	"option_index_put_long" integer NOT NULL,
	"option_index_call_short" integer NOT NULL,
	"option_index_put_short" integer NOT NULL,
	"option_stock_call_long" integer NOT NULL,
	"option_stock_put_long" integer NOT NULL,
	"option_stock_call_short" integer NOT NULL,
	"option_stock_put_short" integer NOT NULL,
	"total_long" integer NOT NULL,
	"total_short" integer NOT NULL,
	CONSTRAINT "participant_positions_date_participant_pk" PRIMARY KEY("date","participant")
);
