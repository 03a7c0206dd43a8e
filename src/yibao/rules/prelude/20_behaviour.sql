-- Shared intermediates of the behaviour rules (管理类·行为主体监管类 and 药品追溯码):
--   ip_stay      inpatient stays with the previous stay at the same institution (分解住院, 挂床, 重叠, 频繁住院)
--   psn_enc      each person's encounters in time order, where the credential was used (盗刷/冒名)
--   psn_day      per person × day × med_type encounter counts and cost (高频就医)
--   trace_code   (line, traceability code) pairs of every net fee line (追溯码)
--   trace_reuse  the sales of codes sold more than once, in sale order (追溯码重复)
-- Built after 00_base.sql from its net tables, so reversals and refunds are already cancelled.
-- Portable SQL (sqlglot → Spark): the trace-code split (unnest/string_split → explode/split)
-- lives only here.

-- Inpatient stays (med_type 21) with the previous stay of the same person at the same
-- institution (lag by admission time). Length of stay follows 算头不算尾 (enc_ctx.stay_days).
CREATE OR REPLACE TEMP TABLE ip_stay AS
SELECT e.mdtrt_id, e.psn_no, e.fixmedins_code, e.begntime, e.endtime, e.begn_date, e.end_date, e.stay_days,
       e.dise_codg, e.dise_name, e.dscg_way, e.atddr_no, e.adm_dept_codg, e.dscg_dept_codg,
       e.fixmedins_type, e.hosp_lv, e.inst_type, e.admdvs, e.city, e.beds,
       e.medfee_sumamt, e.fund_pay_sumamt,
       lag(e.mdtrt_id) OVER (PARTITION BY e.psn_no, e.fixmedins_code
                             ORDER BY e.begntime, e.mdtrt_id) AS prev_mdtrt_id,
       lag(e.begn_date) OVER (PARTITION BY e.psn_no, e.fixmedins_code
                              ORDER BY e.begntime, e.mdtrt_id) AS prev_begn_date,
       lag(e.end_date) OVER (PARTITION BY e.psn_no, e.fixmedins_code
                             ORDER BY e.begntime, e.mdtrt_id) AS prev_end_date,
       lag(e.dscg_way) OVER (PARTITION BY e.psn_no, e.fixmedins_code
                             ORDER BY e.begntime, e.mdtrt_id) AS prev_dscg_way,
       lag(e.dise_codg) OVER (PARTITION BY e.psn_no, e.fixmedins_code
                              ORDER BY e.begntime, e.mdtrt_id) AS prev_dise_codg
FROM enc_ctx AS e
WHERE e.med_type = '21';

-- Every encounter of a person in time order with where the credential was used (盗刷:
-- impossible travel, bursts): the prefecture (first 4 digits of the division) of term_admdvs
-- when given, else of the institution. begn_sec/end_sec are the visit or stay times in epoch
-- seconds, area_uses how many of the person's encounters were in that prefecture, home_area
-- the prefecture of enrolment (参保地), and prev_* the encounter before (by start time).
CREATE OR REPLACE TEMP TABLE psn_enc AS
SELECT x.*,
       count(*) OVER (PARTITION BY x.psn_no, x.use_area) AS area_uses,
       lag(x.mdtrt_id) OVER (PARTITION BY x.psn_no ORDER BY x.begntime, x.mdtrt_id) AS prev_mdtrt_id,
       lag(x.begn_sec) OVER (PARTITION BY x.psn_no ORDER BY x.begntime, x.mdtrt_id) AS prev_begn_sec,
       lag(x.end_sec) OVER (PARTITION BY x.psn_no ORDER BY x.begntime, x.mdtrt_id) AS prev_end_sec,
       lag(x.use_area) OVER (PARTITION BY x.psn_no ORDER BY x.begntime, x.mdtrt_id) AS prev_use_area
FROM (
  SELECT e.mdtrt_id, e.psn_no, e.fixmedins_code, e.med_type, e.begntime, e.endtime, e.begn_date, e.end_date,
         e.fixmedins_type, e.admdvs, e.city, e.term_admdvs, e.mdtrt_cert_type, e.medfee_sumamt,
         e.fund_pay_sumamt, e.atddr_no, epoch(e.begntime) AS begn_sec, epoch(e.endtime) AS end_sec,
         substr(coalesce(nullif(trim(e.term_admdvs), ''), e.admdvs), 1, 4) AS use_area,
         substr(p.insuplc_admdvs, 1, 4) AS home_area,
         CASE WHEN nullif(trim(e.term_admdvs), '') IS NULL
                   OR substr(e.term_admdvs, 1, 4) = substr(e.admdvs, 1, 4) THEN e.city
              ELSE concat(e.city, '(凭证区划', e.term_admdvs, ')') END AS use_place
  FROM enc_ctx AS e
  LEFT JOIN psn AS p ON p.psn_no = e.psn_no
) AS x;

-- Per person, day and encounter type: how many encounters began that day and what they cost
-- (高频就医; inpatient stays count on the admission day). day_no numbers the days so that
-- rolling windows can use RANGE frames.
CREATE OR REPLACE TEMP TABLE psn_day AS
SELECT psn_no, med_type, begn_date AS act_date, date_diff('day', DATE '2000-01-01', begn_date) AS day_no,
       count(*) AS n_enc, sum(medfee_sumamt) AS medfee, sum(fund_pay_sumamt) AS fund
FROM enc_ctx
GROUP BY psn_no, med_type, begn_date;

-- Drug traceability codes (药品追溯码) sold more than once. Every net drug line's codes are split
-- out once into narrow (line, code) rows and counted with a hash aggregate; the sale details —
-- when, where, by whom, the line's share of the amount — are gathered for the repeated codes only.
CREATE OR REPLACE TEMP TABLE trace_code AS
SELECT feedetl_sn, trim(code) AS trac_code
FROM (SELECT feedetl_sn, unnest(string_split(drug_trac_codg, ',')) AS code
      FROM fee_net WHERE drug_trac_codg IS NOT NULL) AS x
WHERE trim(code) <> '';

-- The sales of codes sold more than once, in sale order, with the line's code count
-- (line_codes: a line's amount is shared equally among its codes). sale_seq 1 is the first sale
-- (by time, then line id), later ones are repeats; first_* describe that first sale.
CREATE OR REPLACE TEMP TABLE trace_reuse AS
WITH rep AS (
  SELECT trac_code, count(*) AS sales FROM trace_code GROUP BY trac_code HAVING count(*) > 1
),
rep_line AS (
  SELECT DISTINCT c.feedetl_sn FROM trace_code AS c JOIN rep AS r ON r.trac_code = c.trac_code
),
line_n AS (
  SELECT c.feedetl_sn, count(*) AS line_codes
  FROM trace_code AS c JOIN rep_line AS l ON l.feedetl_sn = c.feedetl_sn
  GROUP BY c.feedetl_sn
),
sale AS (
  SELECT f.feedetl_sn, f.mdtrt_id, f.psn_no, f.fixmedins_code, f.fee_ocur_time, f.med_list_codg, f.cnt,
         f.det_item_fee_sumamt, f.bilg_dr_codg, c.trac_code, n.line_codes, r.sales,
         i.city, i.admdvs, i.fixmedins_type
  FROM trace_code AS c
  JOIN rep AS r ON r.trac_code = c.trac_code
  JOIN line_n AS n ON n.feedetl_sn = c.feedetl_sn
  JOIN fee_ctx AS f ON f.feedetl_sn = c.feedetl_sn
  LEFT JOIN medins AS i ON i.fixmedins_code = f.fixmedins_code
),
d AS (
  SELECT trac_code, min(fixmedins_code) AS min_inst, max(fixmedins_code) AS max_inst,
         min(city) AS min_city, max(city) AS max_city
  FROM sale GROUP BY trac_code
),
s AS (
  SELECT sale.*, CASE WHEN d.min_inst <> d.max_inst THEN 1 ELSE 0 END AS multi_inst,
         CASE WHEN d.min_city <> d.max_city THEN 1 ELSE 0 END AS multi_city,
         row_number() OVER (PARTITION BY sale.trac_code ORDER BY sale.fee_ocur_time, sale.feedetl_sn) AS sale_seq
  FROM sale JOIN d ON d.trac_code = sale.trac_code
)
SELECT s.*,
       first_value(s.feedetl_sn) OVER (PARTITION BY s.trac_code ORDER BY s.sale_seq) AS first_feedetl_sn,
       first_value(s.fixmedins_code) OVER (PARTITION BY s.trac_code ORDER BY s.sale_seq) AS first_fixmedins_code,
       first_value(s.city) OVER (PARTITION BY s.trac_code ORDER BY s.sale_seq) AS first_city,
       first_value(s.fee_ocur_time) OVER (PARTITION BY s.trac_code ORDER BY s.sale_seq) AS first_time
FROM s;
