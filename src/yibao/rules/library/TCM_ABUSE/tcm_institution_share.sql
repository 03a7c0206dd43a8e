-- 中医治疗"人人有份": in a calendar month, one TCM therapy (catalogue is_tcm_therapy) billed to more
-- than :max_share of all the persons an institution billed anything to that month (pharmacy
-- purchases aside), in a month with at least :min_patients such persons. One finding per
-- institution: the therapy-months over the share, their total as the amount, the most
-- widespread one in the evidence, its share as the score.
WITH pat AS (
  SELECT fixmedins_code, CAST(date_trunc('month', fee_date) AS DATE) AS mo, count(DISTINCT psn_no) AS n_pat
  FROM fee_ctx
  WHERE med_type <> '41'
  GROUP BY fixmedins_code, CAST(date_trunc('month', fee_date) AS DATE)
),
ther AS (
  SELECT fixmedins_code, CAST(date_trunc('month', fee_date) AS DATE) AS mo, med_list_codg,
         max(item_name) AS item_name, count(DISTINCT psn_no) AS n_ther, sum(det_item_fee_sumamt) AS amt
  FROM fee_ctx
  WHERE is_tcm_therapy AND med_type <> '41'
  GROUP BY fixmedins_code, CAST(date_trunc('month', fee_date) AS DATE), med_list_codg
),
hit AS (
  SELECT t.fixmedins_code, t.mo, t.med_list_codg, t.item_name, t.n_ther, t.amt, p.n_pat,
         CAST(t.n_ther AS DOUBLE) / p.n_pat AS share
  FROM ther AS t
  JOIN pat AS p ON p.fixmedins_code = t.fixmedins_code AND p.mo = t.mo
  WHERE p.n_pat >= :min_patients AND CAST(t.n_ther AS DOUBLE) / p.n_pat > :max_share
),
per_inst AS (
  SELECT fixmedins_code, count(DISTINCT mo) AS n_months, sum(amt) AS total_amt
  FROM hit
  GROUP BY fixmedins_code
),
ranked AS (
  SELECT hit.*, row_number() OVER (PARTITION BY fixmedins_code ORDER BY share DESC, mo, med_list_codg) AS rn
  FROM hit
)
SELECT r.fixmedins_code, CAST(i.total_amt AS DECIMAL(18,2)) AS amount, r.share AS score,
       r.med_list_codg, r.item_name, r.n_ther, r.n_pat, i.n_months,
       left(CAST(r.mo AS VARCHAR), 7) AS month_label,
       CAST(round(r.share * 100, 1) AS DECIMAL(6,1)) AS share_pct
FROM ranked AS r
JOIN per_inst AS i ON i.fixmedins_code = r.fixmedins_code
WHERE r.rn = 1
