-- Knowledge tables item_rule (项目间规则) and item_limit (限定频次/限额), expanded once so the
-- pair, quantity, lab and TCM rules join fee lines to concrete codes with equi-joins and never
-- re-parse `;` lists or `*` prefixes. Portable SQL apart from the string splitting below
-- (string_split + unnest, i.e. Spark's explode(split())), which happens only here.
--
-- Tables built here:
--   item_rule_x       one row per item_rule row × code_a token × code_b token × med_type
--   item_limit_x      one row per item_limit row × med_type, with defaults applied
--   item_limit_dept_excl  limit_no × excluded department
--   item_pat          every code pattern (exact code or `prefix*`) with a readable label
--   item_code_map     pattern → concrete codes present in fee_net (prefixes matched per length)
--   item_rule_code    item_rule_x with concrete code_a / code_b (code_b NULL when never billed)
--   pair_hit          code_b lines of exclusive / includes pairs met in their scope
--   item_limit_code   limit_no → concrete codes counted together
--   fee_dup           service / consumable lines that repeat an earlier line exactly (same
--                     encounter, code, time, quantity and price): the later copies
--   fee_limit         net fee line × every limit that applies to it (item_limit rows in force on
--                     the charge date, med_type, age, dept_excl; and the catalogue max_daily_cnt
--                     on person-days over it)
--   limit_breach      fee line × limit × kind of breach, with the excess amount and evidence text;
--                     EXCESS_QUANTITY, LAB_ABUSE and TCM_ABUSE report from here by item class

-- item_rule: defaults per contract (scope day for discount, encounter otherwise; violation by
-- relation), dates open-ended when empty.
CREATE OR REPLACE TEMP TABLE item_rule_x AS
WITH r AS (
  SELECT row_number() OVER (ORDER BY code_a, code_b, relation, begndate NULLS FIRST, med_type NULLS FIRST,
                                     scope NULLS FIRST, enddate NULLS FIRST) AS rule_no,
         replace(replace(trim(code_a), '；', ';'), ' ', '') AS code_a_list,
         replace(replace(trim(code_b), '；', ';'), ' ', '') AS code_b_list,
         lower(trim(relation)) AS relation,
         ratio,
         coalesce(nullif(lower(trim(scope)), ''),
                  CASE WHEN lower(trim(relation)) = 'discount' THEN 'day' ELSE 'encounter' END) AS scope,
         CASE WHEN trim(replace(replace(coalesce(med_type, ''), '；', ''), ';', '')) = '' THEN NULL
              ELSE replace(replace(trim(med_type), '；', ';'), ' ', '') END AS med_type_list,
         coalesce(nullif(upper(trim(violation)), ''),
                  CASE lower(trim(relation)) WHEN 'exclusive' THEN 'DUPLICATE_BILLING'
                                             WHEN 'includes' THEN 'UNBUNDLING'
                                             WHEN 'requires' THEN 'UNREASONABLE_TREATMENT'
                                             WHEN 'discount' THEN 'OVER_PRICE' END) AS violation,
         coalesce(begndate, DATE '1900-01-01') AS rule_begin,
         coalesce(enddate, DATE '2999-12-31') AS rule_end
  FROM item_rule
),
a AS (
  SELECT DISTINCT rule_no, tok AS pat_a
  FROM (SELECT rule_no, unnest(string_split(code_a_list, ';')) AS tok FROM r) AS t WHERE tok <> ''
),
b AS (
  SELECT DISTINCT rule_no, tok AS pat_b
  FROM (SELECT rule_no, unnest(string_split(code_b_list, ';')) AS tok FROM r) AS t WHERE tok <> ''
),
m AS (
  SELECT DISTINCT rule_no, tok AS med_type
  FROM (SELECT rule_no, unnest(string_split(med_type_list, ';')) AS tok FROM r
        WHERE med_type_list IS NOT NULL) AS t
  WHERE tok <> ''
  UNION ALL
  SELECT rule_no, CAST(NULL AS VARCHAR) AS med_type FROM r WHERE med_type_list IS NULL
)
SELECT r.rule_no, r.relation, r.violation, r.scope, r.ratio, r.rule_begin, r.rule_end,
       r.code_a_list, r.code_b_list, a.pat_a, b.pat_b, m.med_type
FROM r
JOIN a ON a.rule_no = r.rule_no
JOIN b ON b.rule_no = r.rule_no
JOIN m ON m.rule_no = r.rule_no;

-- item_limit: one row per limit and med_type (NULL = every encounter type).
CREATE OR REPLACE TEMP TABLE item_limit_x AS
WITH l AS (
  SELECT row_number() OVER (ORDER BY med_list_codg, period, begndate NULLS FIRST, med_type NULLS FIRST,
                                     lmt_age_min NULLS FIRST, lmt_age_max NULLS FIRST, enddate NULLS FIRST,
                                     max_cnt NULLS FIRST, max_amount NULLS FIRST) AS limit_no,
         replace(replace(trim(med_list_codg), '；', ';'), ' ', '') AS limit_codes,
         lower(trim(period)) AS period,
         max_cnt, max_amount,
         coalesce(per_stay_day, FALSE) AS per_stay_day,
         min_interval_days, max_days, window_days, lmt_age_min, lmt_age_max,
         CASE WHEN trim(replace(replace(coalesce(dept_excl, ''), '；', ''), ';', '')) = '' THEN NULL
              ELSE replace(replace(trim(dept_excl), '；', ';'), ' ', '') END AS dept_excl_list,
         CASE WHEN trim(replace(replace(coalesce(med_type, ''), '；', ''), ';', '')) = '' THEN NULL
              ELSE replace(replace(trim(med_type), '；', ';'), ' ', '') END AS med_type_list,
         coalesce(begndate, DATE '1900-01-01') AS lim_begin,
         coalesce(enddate, DATE '2999-12-31') AS lim_end
  FROM item_limit
),
m AS (
  SELECT DISTINCT limit_no, tok AS med_type
  FROM (SELECT limit_no, unnest(string_split(med_type_list, ';')) AS tok FROM l
        WHERE med_type_list IS NOT NULL) AS t
  WHERE tok <> ''
  UNION ALL
  SELECT limit_no, CAST(NULL AS VARCHAR) AS med_type FROM l WHERE med_type_list IS NULL
)
SELECT l.*, m.med_type FROM l JOIN m ON m.limit_no = l.limit_no;

CREATE OR REPLACE TEMP TABLE item_limit_dept_excl AS
SELECT DISTINCT limit_no, tok AS dept
FROM (SELECT DISTINCT limit_no, unnest(string_split(dept_excl_list, ';')) AS tok
      FROM item_limit_x WHERE dept_excl_list IS NOT NULL) AS t
WHERE tok <> '';

-- Every pattern named by the knowledge tables: `X*` is the prefix X, anything else one code.
CREATE OR REPLACE TEMP TABLE item_pat AS
WITH p AS (
  SELECT pat_a AS pat FROM item_rule_x
  UNION SELECT pat_b FROM item_rule_x
  UNION SELECT tok FROM (SELECT unnest(string_split(limit_codes, ';')) AS tok FROM item_limit_x) AS t
        WHERE tok <> ''
),
names AS (SELECT med_list_codg, max(name) AS name FROM catalog GROUP BY med_list_codg)
SELECT p.pat,
       CASE WHEN right(p.pat, 1) = '*' THEN left(p.pat, length(p.pat) - 1) ELSE p.pat END AS pat_code,
       CASE WHEN right(p.pat, 1) = '*' THEN length(p.pat) - 1 END AS pat_len,
       CASE WHEN right(p.pat, 1) = '*' THEN '编码以' || left(p.pat, length(p.pat) - 1) || '开头的项目'
            ELSE coalesce(n.name, '项目') || '（' || p.pat || '）' END AS pat_label
FROM p LEFT JOIN names AS n ON n.med_list_codg = p.pat;

-- Pattern → the concrete codes billed. A prefix of length n joins on left(code, n), one equi-join
-- per distinct prefix length, so no LIKE cross join over the fee lines.
CREATE OR REPLACE TEMP TABLE item_code_map AS
WITH codes AS (SELECT DISTINCT med_list_codg FROM fee_net),
lens AS (SELECT DISTINCT pat_len FROM item_pat WHERE pat_len IS NOT NULL),
code_prefix AS (
  SELECT c.med_list_codg, l.pat_len, left(c.med_list_codg, l.pat_len) AS prefix
  FROM codes AS c CROSS JOIN lens AS l
  WHERE length(c.med_list_codg) >= l.pat_len
)
SELECT p.pat, c.med_list_codg
FROM item_pat AS p JOIN codes AS c ON c.med_list_codg = p.pat_code
WHERE p.pat_len IS NULL
UNION
SELECT p.pat, cp.med_list_codg
FROM item_pat AS p JOIN code_prefix AS cp ON cp.pat_len = p.pat_len AND cp.prefix = p.pat_code;

-- Pair rules on concrete codes. code_b stays NULL when no line bills it (a `requires` rule whose
-- alternatives are never billed still applies to code_a).
CREATE OR REPLACE TEMP TABLE item_rule_code AS
SELECT DISTINCT x.rule_no, x.relation, x.violation, x.scope, x.ratio, x.rule_begin, x.rule_end, x.med_type,
       x.code_a_list, x.code_b_list, x.pat_a, x.pat_b, pb.pat_label AS pat_b_label,
       ma.med_list_codg AS code_a, mb.med_list_codg AS code_b
FROM item_rule_x AS x
JOIN item_code_map AS ma ON ma.pat = x.pat_a
LEFT JOIN item_code_map AS mb ON mb.pat = x.pat_b
LEFT JOIN item_pat AS pb ON pb.pat = x.pat_b;

-- Pair hits (exclusive / includes): the line of code_b billed beside a line of code_a in the same
-- encounter (scope encounter) or for the same person at the same institution on the same day
-- (scope day), the pair in force on code_b's charge date and listed for its med_type. One row per
-- line and effective violation; DUPLICATE_BILLING and UNBUNDLING report from here, and the
-- quantity limits do not count these lines again.
CREATE OR REPLACE TEMP TABLE pair_hit AS
WITH r AS (
  SELECT code_a, code_b, relation, violation, scope, med_type, rule_begin, rule_end
  FROM item_rule_code
  WHERE relation IN ('exclusive', 'includes') AND code_b IS NOT NULL AND code_a <> code_b
),
b AS (
  SELECT f.feedetl_sn, f.mdtrt_id, f.psn_no, f.fixmedins_code, f.fee_date,
         r.code_a, r.relation, r.violation, r.scope
  FROM fee_ctx AS f
  JOIN r ON r.code_b = f.med_list_codg
  WHERE f.fee_date BETWEEN r.rule_begin AND r.rule_end
    AND (r.med_type IS NULL OR r.med_type = f.med_type)
),
a AS (
  SELECT mdtrt_id, psn_no, fixmedins_code, fee_date, med_list_codg, max(item_name) AS item_name
  FROM fee_ctx
  WHERE med_list_codg IN (SELECT code_a FROM r)
  GROUP BY mdtrt_id, psn_no, fixmedins_code, fee_date, med_list_codg
),
hit AS (
  SELECT b.feedetl_sn, b.code_a, b.relation, b.violation, b.scope, a.item_name AS a_name
  FROM b JOIN a ON a.mdtrt_id = b.mdtrt_id AND a.med_list_codg = b.code_a
  WHERE b.scope = 'encounter'
  UNION ALL
  SELECT b.feedetl_sn, b.code_a, b.relation, b.violation, b.scope, a.item_name AS a_name
  FROM b JOIN a ON a.psn_no = b.psn_no AND a.fixmedins_code = b.fixmedins_code AND a.fee_date = b.fee_date
               AND a.med_list_codg = b.code_a
  WHERE b.scope = 'day'
)
SELECT feedetl_sn, violation, relation, scope, code_a, a_name
FROM (SELECT hit.*, row_number() OVER (PARTITION BY feedetl_sn, violation
                                       ORDER BY relation, code_a, scope) AS rn
      FROM hit) AS h
WHERE rn = 1;

-- Limit → concrete codes counted together (a code named twice counts once).
CREATE OR REPLACE TEMP TABLE item_limit_code AS
SELECT DISTINCT l.limit_no, m.med_list_codg
FROM (SELECT DISTINCT limit_no, unnest(string_split(limit_codes, ';')) AS tok FROM item_limit_x) AS l
JOIN item_code_map AS m ON m.pat = l.tok;

-- Exact repeats of a service or consumable line (list_type 201/301): same encounter, code, time,
-- quantity and price. The first (by line id) stands; the copies are duplicate billing (重复收费)
-- and are not counted again towards quantity limits, so one excess unit is reported once. Drugs
-- and decoction pieces are left out: packs are legitimately scanned one line each.
CREATE OR REPLACE TEMP TABLE fee_dup AS
WITH twice AS (
  SELECT mdtrt_id, med_list_codg, fee_ocur_time, cnt, pric
  FROM fee_net
  WHERE list_type IN ('201', '301')
  GROUP BY mdtrt_id, med_list_codg, fee_ocur_time, cnt, pric
  HAVING count(*) > 1
)
SELECT feedetl_sn, first_sn
FROM (
  SELECT f.feedetl_sn,
         first_value(f.feedetl_sn) OVER (PARTITION BY f.mdtrt_id, f.med_list_codg, f.fee_ocur_time, f.cnt, f.pric
                                         ORDER BY f.feedetl_sn) AS first_sn,
         row_number() OVER (PARTITION BY f.mdtrt_id, f.med_list_codg, f.fee_ocur_time, f.cnt, f.pric
                            ORDER BY f.feedetl_sn) AS rn
  FROM fee_net AS f
  JOIN twice AS t ON t.mdtrt_id = f.mdtrt_id AND t.med_list_codg = f.med_list_codg
                 AND t.fee_ocur_time = f.fee_ocur_time AND t.cnt = f.cnt AND t.pric = f.pric
  WHERE f.list_type IN ('201', '301')
) AS d
WHERE rn > 1;

-- Fee line × applicable limit. limit_key identifies the counter: an item_limit row ('L' + number,
-- codes counted together) or the catalogue's max_daily_cnt of one code ('C' + code, per day).
-- An item_limit row applies on the charge date, to its med_types and ages (age on the charge
-- date), and not to a line whose ordering department, or the encounter's admission or discharge
-- department, is in dept_excl. The catalogue maximum is carried only for the person-days whose
-- total exceeds it (no other day can break it), which keeps this table small. Lines already
-- reported under a more specific violation are left out, so one excess unit is reported once:
-- exact copies (fee_dup) and the code_b side of exclusive / includes pairs (pair_hit).
CREATE OR REPLACE TEMP TABLE fee_limit AS
WITH lim_lines AS (
  SELECT f.* FROM fee_ctx AS f
  WHERE f.med_list_codg IN (SELECT med_list_codg FROM item_limit_code)
    AND NOT EXISTS (SELECT 1 FROM fee_dup AS d WHERE d.feedetl_sn = f.feedetl_sn)
    AND NOT EXISTS (SELECT 1 FROM pair_hit AS h WHERE h.feedetl_sn = f.feedetl_sn)
),
-- person-days over the catalogue maximum counting every line (a superset: leaving lines out only
-- lowers a day's total), then their lines less the ones reported elsewhere
over_day AS (
  SELECT psn_no, med_list_codg, fee_date
  FROM fee_ctx
  WHERE max_daily_cnt IS NOT NULL
  GROUP BY psn_no, med_list_codg, fee_date
  HAVING sum(cnt) > max(max_daily_cnt)
),
day_lines AS (
  SELECT f.* FROM fee_ctx AS f
  JOIN over_day AS g ON g.psn_no = f.psn_no AND g.med_list_codg = f.med_list_codg AND g.fee_date = f.fee_date
  WHERE NOT EXISTS (SELECT 1 FROM fee_dup AS d WHERE d.feedetl_sn = f.feedetl_sn)
    AND NOT EXISTS (SELECT 1 FROM pair_hit AS h WHERE h.feedetl_sn = f.feedetl_sn)
)
SELECT 'L' || CAST(x.limit_no AS VARCHAR) AS limit_key, 'item_limit' AS limit_source, x.limit_no,
       x.limit_codes, x.period, x.max_cnt, x.max_amount, x.per_stay_day, x.min_interval_days, x.max_days,
       x.window_days,
       f.feedetl_sn, f.mdtrt_id, f.psn_no, f.fixmedins_code, f.bilg_dr_codg, f.fee_ocur_time, f.fee_date,
       f.med_list_codg, f.item_name, f.cnt, f.pric, f.det_item_fee_sumamt, f.med_type, f.begn_date,
       f.end_date, f.stay_days, coalesce(f.is_lab, FALSE) AS is_lab,
       coalesce(f.is_tcm_therapy, FALSE) AS is_tcm_therapy
FROM lim_lines AS f
JOIN item_limit_code AS c ON c.med_list_codg = f.med_list_codg
JOIN item_limit_x AS x ON x.limit_no = c.limit_no AND (x.med_type IS NULL OR x.med_type = f.med_type)
WHERE f.fee_date BETWEEN x.lim_begin AND x.lim_end
  AND (x.lmt_age_min IS NULL OR f.age_years >= x.lmt_age_min)
  AND (x.lmt_age_max IS NULL OR f.age_years <= x.lmt_age_max)
  AND NOT EXISTS (SELECT 1 FROM item_limit_dept_excl AS d
                  WHERE d.limit_no = x.limit_no
                    AND (d.dept = f.bilg_dept_codg OR d.dept = f.adm_dept_codg OR d.dept = f.dscg_dept_codg))
UNION ALL
SELECT 'C' || f.med_list_codg AS limit_key, 'catalog' AS limit_source, CAST(NULL AS BIGINT) AS limit_no,
       f.med_list_codg AS limit_codes, 'day' AS period, f.max_daily_cnt AS max_cnt,
       CAST(NULL AS DECIMAL(18,2)) AS max_amount, FALSE AS per_stay_day, CAST(NULL AS BIGINT) AS min_interval_days,
       CAST(NULL AS BIGINT) AS max_days, CAST(NULL AS BIGINT) AS window_days,
       f.feedetl_sn, f.mdtrt_id, f.psn_no, f.fixmedins_code, f.bilg_dr_codg, f.fee_ocur_time, f.fee_date,
       f.med_list_codg, f.item_name, f.cnt, f.pric, f.det_item_fee_sumamt, f.med_type, f.begn_date,
       f.end_date, f.stay_days, coalesce(f.is_lab, FALSE) AS is_lab,
       coalesce(f.is_tcm_therapy, FALSE) AS is_tcm_therapy
FROM day_lines AS f;

-- Breaches of the limits in fee_limit, one row per line × limit × kind; a limit is broken only
-- when exceeded (exactly at the limit is clean). Lines are taken in charge order (time, line id).
--   count / amount  calendar day, week (Monday), month, year, the encounter (× stay days when
--                   per_stay_day) or a rolling window_days (any window_days consecutive days): a line
--                   breaks the limit when the line itself plus the earlier lines of its period that
--                   were not refused exceed the limit; the amount is the part above the limit
--                   (excess units × unit amount, or excess yuan).
--   days            max_days: lines on a distinct charge day beyond the max_days-th in the period
--                   (or rolling window), the whole line as amount.
--   interval        min_interval_days: a line charged fewer days after the last earlier charge that
--                   kept the interval itself; the whole line as amount.
-- Refused lines do not use up a limit, their own or another: one extra charge is not blamed on the
-- regular charges after it. "Refused" is taken from a first pass (every line counted); an exact
-- greedy pass would need recursion, so long chains of refusals may be under-reported, never
-- over-reported.
CREATE OR REPLACE TEMP TABLE limit_breach AS
WITH fl AS (
  SELECT fee_limit.*,
         CASE WHEN period = 'encounter' THEN mdtrt_id ELSE '' END AS bucket_enc,
         CASE period WHEN 'day' THEN fee_date
                     WHEN 'week' THEN CAST(date_trunc('week', fee_date) AS DATE)
                     WHEN 'month' THEN CAST(date_trunc('month', fee_date) AS DATE)
                     WHEN 'year' THEN CAST(date_trunc('year', fee_date) AS DATE)
                     ELSE DATE '1900-01-01' END AS bucket_start,
         CASE WHEN per_stay_day AND period = 'encounter' THEN stay_days ELSE 1 END AS mult,
         CASE WHEN window_days IS NOT NULL THEN '任意' || CAST(window_days AS VARCHAR) || '天内'
              ELSE CASE period WHEN 'day' THEN '每日' WHEN 'encounter' THEN '每次就诊' WHEN 'week' THEN '每自然周'
                               WHEN 'month' THEN '每自然月' WHEN 'year' THEN '每自然年' ELSE period END
         END AS period_label,
         CASE WHEN window_days IS NOT NULL THEN '截至当日' || CAST(window_days AS VARCHAR) || '天内'
              ELSE CASE period WHEN 'day' THEN '当日' WHEN 'encounter' THEN '本次就诊' WHEN 'week' THEN '当周'
                               WHEN 'month' THEN '当月' WHEN 'year' THEN '当年' ELSE period END
         END AS found_label
  FROM fee_limit
),
-- calendar periods and encounters: only periods whose total exceeds the limit can break it
over_bucket AS (
  SELECT limit_key, psn_no, bucket_enc, bucket_start
  FROM fl
  WHERE window_days IS NULL AND (max_cnt IS NOT NULL OR max_amount IS NOT NULL)
  GROUP BY limit_key, psn_no, bucket_enc, bucket_start
  HAVING sum(cnt) > max(max_cnt * mult) OR sum(det_item_fee_sumamt) > max(max_amount * mult)
),
-- first pass: running totals over every line in charge order
cal1 AS (
  SELECT fl.*, max_cnt * mult AS cnt_lim, max_amount * mult AS amt_lim,
         (max_cnt IS NOT NULL
          AND sum(cnt) OVER (PARTITION BY fl.limit_key, fl.psn_no, fl.bucket_enc, fl.bucket_start
                             ORDER BY fee_ocur_time, feedetl_sn
                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) > max_cnt * mult)
         OR (max_amount IS NOT NULL
             AND sum(det_item_fee_sumamt) OVER (PARTITION BY fl.limit_key, fl.psn_no, fl.bucket_enc,
                                                             fl.bucket_start
                                                ORDER BY fee_ocur_time, feedetl_sn
                                                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                 > max_amount * mult) AS over1
  FROM fl
  JOIN over_bucket AS o ON o.limit_key = fl.limit_key AND o.psn_no = fl.psn_no AND o.bucket_enc = fl.bucket_enc
                       AND o.bucket_start = fl.bucket_start
  WHERE fl.window_days IS NULL AND (fl.max_cnt IS NOT NULL OR fl.max_amount IS NOT NULL)
),
-- rolling windows: each line with the earlier lines of its window (same person and counter)
win AS (
  SELECT c.limit_key, c.feedetl_sn, c.fee_date, p.feedetl_sn AS p_sn, p.fee_date AS p_date, p.cnt AS p_cnt,
         p.det_item_fee_sumamt AS p_amt
  FROM fl AS c
  JOIN fl AS p ON p.limit_key = c.limit_key AND p.psn_no = c.psn_no AND p.bucket_enc = c.bucket_enc
  WHERE c.window_days IS NOT NULL
    AND date_diff('day', p.fee_date, c.fee_date) BETWEEN 0 AND c.window_days - 1
    AND (p.fee_ocur_time < c.fee_ocur_time
         OR (p.fee_ocur_time = c.fee_ocur_time AND p.feedetl_sn <= c.feedetl_sn))
),
-- first pass: every line of the window counts
win1 AS (
  SELECT fl.limit_key, fl.feedetl_sn,
         (fl.max_cnt IS NOT NULL AND sum(w.p_cnt) > fl.max_cnt)
           OR (fl.max_amount IS NOT NULL AND sum(w.p_amt) > fl.max_amount) AS over_qty,
         (fl.max_days IS NOT NULL AND count(DISTINCT w.p_date) > fl.max_days) AS over_days
  FROM fl JOIN win AS w ON w.limit_key = fl.limit_key AND w.feedetl_sn = fl.feedetl_sn
  GROUP BY fl.limit_key, fl.feedetl_sn, fl.max_cnt, fl.max_amount, fl.max_days
),
-- course days in calendar periods and encounters
crs AS (
  SELECT fl.*,
         dense_rank() OVER (PARTITION BY limit_key, psn_no, bucket_enc, bucket_start ORDER BY fee_date) AS day_no
  FROM fl WHERE max_days IS NOT NULL AND window_days IS NULL
),
-- minimum interval, first pass: the previous charge of the counter
gap1 AS (
  SELECT fl.*,
         lag(fee_date) OVER (PARTITION BY limit_key, psn_no ORDER BY fee_ocur_time, feedetl_sn) AS prev_date
  FROM fl WHERE min_interval_days IS NOT NULL
),
-- second pass: the last earlier charge that kept the interval to its own predecessor
gap2 AS (
  SELECT gap1.*,
         max(CASE WHEN prev_date IS NULL OR date_diff('day', prev_date, fee_date) >= min_interval_days
                  THEN fee_date END)
           OVER (PARTITION BY limit_key, psn_no ORDER BY fee_ocur_time, feedetl_sn
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS last_ok_date
  FROM gap1
),
-- lines refused in the first passes of any limit (count or amount over, days beyond the course,
-- interval too short): a refused line does not use up a limit for the lines after it, neither its
-- own nor another one (an extra HbA1c refused for the month limit does not make a later regular
-- test the fifth of the year)
refused1 AS (
  SELECT feedetl_sn FROM cal1 WHERE over1
  UNION SELECT feedetl_sn FROM win1 WHERE over_qty OR over_days
  UNION SELECT feedetl_sn FROM crs WHERE day_no > max_days
  UNION SELECT feedetl_sn FROM gap2
        WHERE prev_date IS NOT NULL AND date_diff('day', prev_date, fee_date) < min_interval_days
          AND last_ok_date IS NOT NULL AND date_diff('day', last_ok_date, fee_date) < min_interval_days
),
-- second pass, calendar periods and encounters: the line itself plus the earlier lines not refused
cal AS (
  SELECT c.*,
         coalesce(sum(CASE WHEN c.refused THEN 0 ELSE c.cnt END)
                    OVER (PARTITION BY c.limit_key, c.psn_no, c.bucket_enc, c.bucket_start
                          ORDER BY c.fee_ocur_time, c.feedetl_sn
                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) + c.cnt AS cum_cnt,
         coalesce(sum(CASE WHEN c.refused THEN 0 ELSE c.det_item_fee_sumamt END)
                    OVER (PARTITION BY c.limit_key, c.psn_no, c.bucket_enc, c.bucket_start
                          ORDER BY c.fee_ocur_time, c.feedetl_sn
                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) + c.det_item_fee_sumamt AS cum_amt
  FROM (SELECT cal1.*, r.feedetl_sn IS NOT NULL AS refused
        FROM cal1 LEFT JOIN (SELECT DISTINCT feedetl_sn FROM refused1) AS r ON r.feedetl_sn = cal1.feedetl_sn) AS c
),
-- second pass, rolling windows: the line itself plus the earlier lines of its window not refused
win2 AS (
  SELECT w.limit_key, w.feedetl_sn,
         sum(CASE WHEN r.feedetl_sn IS NULL OR w.p_sn = w.feedetl_sn THEN w.p_cnt ELSE 0 END) AS w_cnt,
         sum(CASE WHEN r.feedetl_sn IS NULL OR w.p_sn = w.feedetl_sn THEN w.p_amt ELSE 0 END) AS w_amt,
         count(DISTINCT CASE WHEN r.feedetl_sn IS NULL OR w.p_date = w.fee_date THEN w.p_date END) AS w_days
  FROM win AS w
  LEFT JOIN (SELECT DISTINCT feedetl_sn FROM refused1) AS r ON r.feedetl_sn = w.p_sn
  GROUP BY w.limit_key, w.feedetl_sn
),
roll AS (
  SELECT fl.*, w.w_cnt, w.w_amt, w.w_days
  FROM fl JOIN win2 AS w ON w.limit_key = fl.limit_key AND w.feedetl_sn = fl.feedetl_sn
),
-- every breach with its numbers: lim_base (× lim_mult stay days) = lim_total; found = what was counted
u AS (
  SELECT limit_key, limit_source, limit_no, limit_codes, period, period_label, found_label,
         feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg, fee_ocur_time, fee_date, med_list_codg,
         item_name, cnt, pric, det_item_fee_sumamt, is_lab, is_tcm_therapy,
         'count' AS kind, CAST(round(det_item_fee_sumamt * least(cnt, cum_cnt - cnt_lim) / cnt, 2) AS DECIMAL(18,2))
           AS excess_amount,
         CAST(max_cnt AS DOUBLE) AS lim_base, mult AS lim_mult, CAST(cnt_lim AS DOUBLE) AS lim_total,
         CAST(cum_cnt AS DOUBLE) AS found, CAST(NULL AS DATE) AS last_ok_date
  FROM cal WHERE cnt_lim IS NOT NULL AND cum_cnt > cnt_lim
  UNION ALL
  SELECT limit_key, limit_source, limit_no, limit_codes, period, period_label, found_label,
         feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg, fee_ocur_time, fee_date, med_list_codg,
         item_name, cnt, pric, det_item_fee_sumamt, is_lab, is_tcm_therapy,
         'amount', CAST(least(det_item_fee_sumamt, cum_amt - amt_lim) AS DECIMAL(18,2)),
         CAST(max_amount AS DOUBLE), mult, CAST(amt_lim AS DOUBLE), CAST(cum_amt AS DOUBLE), NULL
  FROM cal WHERE amt_lim IS NOT NULL AND cum_amt > amt_lim
  UNION ALL
  SELECT limit_key, limit_source, limit_no, limit_codes, period, period_label, found_label,
         feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg, fee_ocur_time, fee_date, med_list_codg,
         item_name, cnt, pric, det_item_fee_sumamt, is_lab, is_tcm_therapy,
         'count', CAST(round(det_item_fee_sumamt * least(cnt, w_cnt - max_cnt) / cnt, 2) AS DECIMAL(18,2)),
         CAST(max_cnt AS DOUBLE), 1, CAST(max_cnt AS DOUBLE), CAST(w_cnt AS DOUBLE), NULL
  FROM roll WHERE max_cnt IS NOT NULL AND w_cnt > max_cnt
  UNION ALL
  SELECT limit_key, limit_source, limit_no, limit_codes, period, period_label, found_label,
         feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg, fee_ocur_time, fee_date, med_list_codg,
         item_name, cnt, pric, det_item_fee_sumamt, is_lab, is_tcm_therapy,
         'amount', CAST(least(det_item_fee_sumamt, w_amt - max_amount) AS DECIMAL(18,2)),
         CAST(max_amount AS DOUBLE), 1, CAST(max_amount AS DOUBLE), CAST(w_amt AS DOUBLE), NULL
  FROM roll WHERE max_amount IS NOT NULL AND w_amt > max_amount
  UNION ALL
  SELECT limit_key, limit_source, limit_no, limit_codes, period, period_label, found_label,
         feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg, fee_ocur_time, fee_date, med_list_codg,
         item_name, cnt, pric, det_item_fee_sumamt, is_lab, is_tcm_therapy,
         'days', det_item_fee_sumamt, CAST(max_days AS DOUBLE), 1, CAST(max_days AS DOUBLE),
         CAST(w_days AS DOUBLE), NULL
  FROM roll WHERE max_days IS NOT NULL AND w_days > max_days
  UNION ALL
  SELECT limit_key, limit_source, limit_no, limit_codes, period, period_label, found_label,
         feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg, fee_ocur_time, fee_date, med_list_codg,
         item_name, cnt, pric, det_item_fee_sumamt, is_lab, is_tcm_therapy,
         'days', det_item_fee_sumamt, CAST(max_days AS DOUBLE), 1, CAST(max_days AS DOUBLE),
         CAST(day_no AS DOUBLE), NULL
  FROM crs WHERE day_no > max_days
  UNION ALL
  SELECT limit_key, limit_source, limit_no, limit_codes, period, period_label, found_label,
         feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg, fee_ocur_time, fee_date, med_list_codg,
         item_name, cnt, pric, det_item_fee_sumamt, is_lab, is_tcm_therapy,
         'interval', det_item_fee_sumamt, CAST(min_interval_days AS DOUBLE), 1, CAST(min_interval_days AS DOUBLE),
         CAST(date_diff('day', last_ok_date, fee_date) AS DOUBLE), last_ok_date
  FROM gap2
  WHERE prev_date IS NOT NULL AND date_diff('day', prev_date, fee_date) < min_interval_days
    AND last_ok_date IS NOT NULL AND date_diff('day', last_ok_date, fee_date) < min_interval_days
),
-- numbers as text: whole numbers without decimals, others with two
t AS (
  SELECT u.*,
         CASE WHEN lim_base = round(lim_base) THEN CAST(CAST(round(lim_base) AS BIGINT) AS VARCHAR)
              ELSE CAST(CAST(round(lim_base, 2) AS DECIMAL(18,2)) AS VARCHAR) END AS base_txt,
         CASE WHEN lim_total = round(lim_total) THEN CAST(CAST(round(lim_total) AS BIGINT) AS VARCHAR)
              ELSE CAST(CAST(round(lim_total, 2) AS DECIMAL(18,2)) AS VARCHAR) END AS total_txt,
         CASE WHEN found = round(found) THEN CAST(CAST(round(found) AS BIGINT) AS VARCHAR)
              ELSE CAST(CAST(round(found, 2) AS DECIMAL(18,2)) AS VARCHAR) END AS found_txt
  FROM u
)
SELECT limit_key, limit_source, limit_no, limit_codes, period, kind, feedetl_sn, mdtrt_id, psn_no, fixmedins_code,
       bilg_dr_codg, fee_ocur_time, fee_date, med_list_codg, item_name, cnt, pric, det_item_fee_sumamt, is_lab,
       is_tcm_therapy, excess_amount,
       CASE kind
         WHEN 'count' THEN '限' || period_label || '数量不超过'
                           || CASE WHEN lim_mult > 1 THEN base_txt || '×住院' || CAST(lim_mult AS VARCHAR) || '天='
                                   ELSE '' END || total_txt
         WHEN 'amount' THEN '限' || period_label || '金额不超过'
                           || CASE WHEN lim_mult > 1 THEN base_txt || '元×住院' || CAST(lim_mult AS VARCHAR) || '天='
                                   ELSE '' END || total_txt || '元'
         WHEN 'days' THEN '限' || period_label || '使用不超过' || total_txt || '天'
         ELSE '限两次收费间隔不少于' || total_txt || '天'
       END
       || CASE WHEN limit_codes <> med_list_codg THEN '（' || limit_codes || '合并计算）' ELSE '' END AS limit_text,
       CASE kind
         WHEN 'count' THEN found_label || '累计' || found_txt
         WHEN 'amount' THEN found_label || '累计' || found_txt || '元'
         WHEN 'days' THEN found_label || '第' || found_txt || '个使用日'
         ELSE '距上次收费（' || CAST(last_ok_date AS VARCHAR) || '）仅' || found_txt || '天'
       END AS found_text
FROM t;
