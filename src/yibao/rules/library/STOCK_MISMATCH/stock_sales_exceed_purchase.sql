-- 进销存不符: an institution sells more of an item than it has bought. For each institution ×
-- item, cumulative net sales (fee_ctx: reversals already cancelled) are compared with
-- cumulative stock-in (purchase) at the end of every period (default month, so a delivery
-- booked later in the month still covers that month's sales). An item is short when, at some
-- period end, sales exceed stock-in × (1 + tolerance_ratio); exactly equal is clean. Its excess
-- is the largest such shortfall, valued at the item's average net selling price. Only list
-- types in stock_list_types are reconciled, and only where the institution reports stock-in
-- for that list type at all (no purchase data: not judged). One finding per institution.
WITH cat AS (
  SELECT DISTINCT med_list_codg, list_type FROM catalog
),
covered AS (
  SELECT DISTINCT p.fixmedins_code, c.list_type
  FROM purchase AS p JOIN cat AS c ON c.med_list_codg = p.med_list_codg
),
sale AS (
  SELECT f.fixmedins_code, f.med_list_codg, CAST(date_trunc(:period, f.fee_date) AS DATE) AS period,
         sum(f.cnt) AS sold, sum(f.det_item_fee_sumamt) AS sold_amt, max(f.item_name) AS item_name
  FROM fee_ctx AS f
  JOIN covered AS v
    ON v.fixmedins_code = f.fixmedins_code AND v.list_type = coalesce(f.cat_list_type, f.list_type)
  WHERE strpos(';' || :stock_list_types || ';', ';' || coalesce(f.cat_list_type, f.list_type) || ';') > 0
  GROUP BY f.fixmedins_code, f.med_list_codg, CAST(date_trunc(:period, f.fee_date) AS DATE)
),
flow AS (
  SELECT fixmedins_code, med_list_codg, period, sum(sold) AS sold, sum(sold_amt) AS sold_amt,
         sum(bought) AS bought, max(item_name) AS item_name
  FROM (
    SELECT fixmedins_code, med_list_codg, period, sold, sold_amt, 0 AS bought, item_name FROM sale
    UNION ALL
    SELECT p.fixmedins_code, p.med_list_codg, CAST(date_trunc(:period, p.purc_date) AS DATE) AS period,
           0 AS sold, 0 AS sold_amt, p.cnt AS bought, CAST(NULL AS VARCHAR) AS item_name
    FROM purchase AS p
    JOIN (SELECT DISTINCT fixmedins_code, med_list_codg FROM sale) AS s
      ON s.fixmedins_code = p.fixmedins_code AND s.med_list_codg = p.med_list_codg
  ) AS u
  GROUP BY fixmedins_code, med_list_codg, period
),
cum AS (
  SELECT f.*,
         sum(sold) OVER (PARTITION BY fixmedins_code, med_list_codg ORDER BY period
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum_sold,
         sum(bought) OVER (PARTITION BY fixmedins_code, med_list_codg ORDER BY period
                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum_bought,
         sum(sold) OVER (PARTITION BY fixmedins_code, med_list_codg) AS all_sold,
         sum(sold_amt) OVER (PARTITION BY fixmedins_code, med_list_codg) AS all_sold_amt,
         max(item_name) OVER (PARTITION BY fixmedins_code, med_list_codg) AS name
  FROM flow AS f
),
short AS (
  SELECT c.*, c.cum_sold - c.cum_bought * (1 + :tolerance_ratio) AS shortfall,
         row_number() OVER (PARTITION BY c.fixmedins_code, c.med_list_codg
                            ORDER BY c.cum_sold - c.cum_bought DESC, c.period) AS rn
  FROM cum AS c
  WHERE c.cum_sold > c.cum_bought * (1 + :tolerance_ratio)
),
item AS (
  SELECT s.fixmedins_code, s.med_list_codg, coalesce(s.name, s.med_list_codg) AS item_name, s.period,
         s.cum_sold, s.cum_bought, s.shortfall,
         s.shortfall * s.all_sold_amt / s.all_sold AS short_amt,
         row_number() OVER (PARTITION BY s.fixmedins_code ORDER BY s.shortfall * s.all_sold_amt / s.all_sold DESC,
                                                                 s.med_list_codg) AS item_rank,
         count(*) OVER (PARTITION BY s.fixmedins_code) AS n_items,
         sum(s.shortfall * s.all_sold_amt / s.all_sold) OVER (PARTITION BY s.fixmedins_code) AS inst_amt
  FROM short AS s
  WHERE s.rn = 1
)
SELECT i.fixmedins_code, CAST(round(i.inst_amt, 2) AS DECIMAL(18, 2)) AS amount, i.n_items,
       i.med_list_codg, i.item_name, i.period, i.cum_sold, i.cum_bought,
       CAST(round(i.shortfall, 2) AS DECIMAL(18, 2)) AS shortfall,
       CASE WHEN i.cum_bought = 0 THEN 1.0 ELSE least(1.0, 0.5 + 0.5 * (i.cum_sold - i.cum_bought) / i.cum_sold) END
         AS score
FROM item AS i
WHERE i.item_rank = 1
