-- 批量检查化验（"人人都查"）: in a calendar month, one lab or imaging test (catalogue is_lab) billed to
-- more than :max_share of all the persons an institution billed anything to that month (pharmacy
-- purchases aside), in a month with at least :min_patients such persons, and at least
-- :min_peer_ratio times the share of that test among the other institutions' patients that month
-- (a routine test everyone does is not a batch). One finding per institution: the test-months
-- over the thresholds, their total as the amount, the most widespread one in the evidence, its
-- share as the score.
WITH pat AS (
  SELECT fixmedins_code, CAST(date_trunc('month', fee_date) AS DATE) AS mo, count(DISTINCT psn_no) AS n_pat
  FROM fee_ctx
  WHERE med_type <> '41'
  GROUP BY fixmedins_code, CAST(date_trunc('month', fee_date) AS DATE)
),
tot AS (
  SELECT mo, sum(n_pat) AS n_all FROM pat GROUP BY mo
),
t AS (
  SELECT fixmedins_code, CAST(date_trunc('month', fee_date) AS DATE) AS mo, med_list_codg,
         max(item_name) AS item_name, count(DISTINCT psn_no) AS n_test, sum(det_item_fee_sumamt) AS amt
  FROM fee_ctx
  WHERE is_lab AND med_type <> '41'
  GROUP BY fixmedins_code, CAST(date_trunc('month', fee_date) AS DATE), med_list_codg
),
tt AS (
  SELECT mo, med_list_codg, sum(n_test) AS n_code FROM t GROUP BY mo, med_list_codg
),
hit AS (
  SELECT t.fixmedins_code, t.mo, t.med_list_codg, t.item_name, t.n_test, t.amt, p.n_pat,
         CAST(t.n_test AS DOUBLE) / p.n_pat AS share,
         CASE WHEN tot.n_all > p.n_pat THEN CAST(tt.n_code - t.n_test AS DOUBLE) / (tot.n_all - p.n_pat)
              ELSE 0 END AS peer_share
  FROM t
  JOIN pat AS p ON p.fixmedins_code = t.fixmedins_code AND p.mo = t.mo
  JOIN tot ON tot.mo = t.mo
  JOIN tt ON tt.mo = t.mo AND tt.med_list_codg = t.med_list_codg
  WHERE p.n_pat >= :min_patients AND CAST(t.n_test AS DOUBLE) / p.n_pat > :max_share
),
kept AS (
  SELECT * FROM hit WHERE share >= :min_peer_ratio * peer_share
),
per_inst AS (
  SELECT fixmedins_code, count(DISTINCT mo) AS n_months, count(DISTINCT med_list_codg) AS n_items,
         sum(amt) AS total_amt
  FROM kept
  GROUP BY fixmedins_code
),
ranked AS (
  SELECT kept.*, row_number() OVER (PARTITION BY fixmedins_code ORDER BY share DESC, mo, med_list_codg) AS rn
  FROM kept
)
SELECT r.fixmedins_code, CAST(i.total_amt AS DECIMAL(18,2)) AS amount, r.share AS score,
       r.med_list_codg, r.item_name, r.n_test, r.n_pat, i.n_months, i.n_items,
       left(CAST(r.mo AS VARCHAR), 7) AS month_label,
       CAST(round(r.share * 100, 1) AS DECIMAL(6,1)) AS share_pct,
       CAST(round(r.peer_share * 100, 1) AS DECIMAL(6,1)) AS peer_pct
FROM ranked AS r
JOIN per_inst AS i ON i.fixmedins_code = r.fixmedins_code
WHERE r.rn = 1
