-- Shared intermediates every rule may read; built once per screening run so rules at the
-- same grain do not each re-read the fee table. Portable SQL: no ASOF, no QUALIFY.

-- The catalogue row in force on a date (知识点按费用发生时间生效). Overlapping rows for one
-- code are cut so that a later begndate ends the earlier row the day before; enddate is inclusive.
CREATE OR REPLACE TEMP TABLE catalog_span AS
SELECT c.*,
       coalesce(c.begndate, DATE '1900-01-01') AS span_begin,
       least(coalesce(c.enddate, DATE '2999-12-31'),
             coalesce(CAST(c.next_begin - INTERVAL 1 DAY AS DATE), DATE '2999-12-31')) AS span_end
FROM (
  SELECT catalog.*, lead(begndate) OVER (PARTITION BY med_list_codg ORDER BY begndate NULLS FIRST) AS next_begin
  FROM catalog
) AS c;

-- Settlements that refund an encounter in full cancel all its lines (退费冲销). Only encounters
-- with a refund settlement are grouped.
CREATE OR REPLACE TEMP TABLE refunded_mdtrt AS
SELECT mdtrt_id FROM setl
WHERE mdtrt_id IN (SELECT mdtrt_id FROM setl WHERE refd_setl_flag = '1')
GROUP BY mdtrt_id
HAVING sum(medfee_sumamt) <= 0.005;

-- Reversal lines (cnt < 0) cancel the latest matching charges (same encounter, code and price)
-- before any rule counts; what survives keeps its own line id. Only the few charge groups that
-- have a reversal are ordered here (fee_adj: the net quantity of each of their lines); every
-- other line stands as billed.
CREATE OR REPLACE TEMP TABLE fee_adj AS
WITH rev AS (
  SELECT mdtrt_id, med_list_codg, pric, -sum(cnt) AS rev_cnt
  FROM fee WHERE cnt < 0 GROUP BY mdtrt_id, med_list_codg, pric
),
pos AS (
  SELECT f.feedetl_sn, f.cnt, r.rev_cnt,
         sum(f.cnt) OVER (PARTITION BY f.mdtrt_id, f.med_list_codg, f.pric
                          ORDER BY f.fee_ocur_time DESC, f.feedetl_sn DESC
                          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum_cnt
  FROM fee AS f
  JOIN rev AS r ON r.mdtrt_id = f.mdtrt_id AND r.med_list_codg = f.med_list_codg AND r.pric = f.pric
  WHERE f.cnt > 0
)
SELECT feedetl_sn, greatest(0, least(cnt, cum_cnt - rev_cnt)) AS net_cnt FROM pos;

-- The net fee lines: a view, so the fee table is read where it is needed and never copied.
CREATE OR REPLACE TEMP VIEW fee_net AS
SELECT f.feedetl_sn, f.mdtrt_id, f.psn_no, f.fixmedins_code, f.fee_ocur_time, f.med_list_codg,
       f.medins_list_codg, f.list_type, CAST(coalesce(a.net_cnt, f.cnt) AS DECIMAL(18,6)) AS cnt, f.pric,
       CASE WHEN a.net_cnt IS NULL OR a.net_cnt = f.cnt THEN f.det_item_fee_sumamt
            ELSE CAST(round(a.net_cnt * f.pric, 2) AS DECIMAL(18,2)) END AS det_item_fee_sumamt,
       f.bilg_dept_codg, f.bilg_dr_codg, f.drug_trac_codg
FROM fee AS f
LEFT JOIN fee_adj AS a ON a.feedetl_sn = f.feedetl_sn
LEFT JOIN refunded_mdtrt AS r ON r.mdtrt_id = f.mdtrt_id
WHERE f.cnt > 0 AND (a.net_cnt IS NULL OR a.net_cnt > 0) AND r.mdtrt_id IS NULL;

-- Encounters with the person, institution, stay length (算头不算尾, at least 1) and fund share.
CREATE OR REPLACE TEMP TABLE enc_ctx AS
SELECT m.mdtrt_id, m.psn_no, m.fixmedins_code, m.med_type, m.begntime, m.endtime,
       CAST(m.begntime AS DATE) AS begn_date, CAST(m.endtime AS DATE) AS end_date,
       greatest(1, date_diff('day', CAST(m.begntime AS DATE), CAST(m.endtime AS DATE))) AS stay_days,
       m.dise_codg, m.dise_name, m.adm_dept_codg, m.dscg_dept_codg, m.atddr_no, m.dscg_way,
       m.mdtrt_cert_type, m.term_admdvs,
       p.gend, p.brdy, p.insutype, p.hshld_no,
       i.fixmedins_type, i.hosp_lv, i.inst_type, i.admdvs, i.city, i.beds, i.ownership,
       coalesce(s.medfee, 0) AS medfee_sumamt, coalesce(s.fund, 0) AS fund_pay_sumamt,
       CASE WHEN coalesce(s.medfee, 0) > 0 THEN least(1.0, s.fund / s.medfee) ELSE 0 END AS fund_ratio
FROM mdtrt AS m
LEFT JOIN psn AS p ON p.psn_no = m.psn_no
LEFT JOIN medins AS i ON i.fixmedins_code = m.fixmedins_code
LEFT JOIN (SELECT mdtrt_id, sum(medfee_sumamt) AS medfee, sum(fund_pay_sumamt) AS fund
           FROM setl GROUP BY mdtrt_id) AS s ON s.mdtrt_id = m.mdtrt_id
LEFT JOIN refunded_mdtrt AS r ON r.mdtrt_id = m.mdtrt_id
WHERE r.mdtrt_id IS NULL;

-- Every diagnosis of an encounter: diag rows when present, else the main diagnosis.
CREATE OR REPLACE TEMP TABLE enc_dx AS
SELECT DISTINCT mdtrt_id, dise_codg FROM (
  SELECT mdtrt_id, dise_codg FROM mdtrt WHERE dise_codg IS NOT NULL
  UNION ALL
  SELECT mdtrt_id, dise_codg FROM diag
) AS d;

-- Each net fee line with its encounter, person (age on the charge date), institution and the
-- catalogue row in force on that date. Catalogue columns keep their contract names; the
-- catalogue's own price is `std_pric`, its list type `cat_list_type`.
CREATE OR REPLACE TEMP TABLE fee_ctx AS
SELECT f.*, CAST(f.fee_ocur_time AS DATE) AS fee_date,
       e.med_type, e.begntime, e.endtime, e.begn_date, e.end_date, e.stay_days, e.dise_codg,
       e.adm_dept_codg, e.dscg_dept_codg, e.atddr_no, e.mdtrt_cert_type, e.term_admdvs,
       e.gend, e.brdy, e.insutype, e.fixmedins_type, e.hosp_lv, e.inst_type, e.admdvs, e.city,
       e.fund_ratio, CAST(round(f.det_item_fee_sumamt * e.fund_ratio, 2) AS DECIMAL(18,2)) AS fund_amt,
       (year(f.fee_ocur_time) - year(e.brdy))
         - CASE WHEN month(f.fee_ocur_time) < month(e.brdy)
                  OR (month(f.fee_ocur_time) = month(e.brdy) AND day(f.fee_ocur_time) < day(e.brdy))
                THEN 1 ELSE 0 END AS age_years,
       date_diff('day', e.brdy, CAST(f.fee_ocur_time AS DATE)) AS age_days,
       c.name AS item_name, c.list_type AS cat_list_type, c.chrgitm_lv, c.pric AS std_pric, c.pric_uplmt,
       c.lmt_gend, c.lmt_age_min, c.lmt_age_max, c.lmt_age_max_days, c.lmt_hosp_lv, c.lmt_dise,
       c.lmt_med_type, c.max_daily_cnt, c.single_herb_unpaid, c.is_lab, c.is_tcm_therapy,
       c.lmt_dept, c.lmt_dept_excl, c.lmt_inst_type, c.begndate AS cat_begndate, c.span_begin AS cat_span_begin
FROM fee_net AS f
JOIN enc_ctx AS e ON e.mdtrt_id = f.mdtrt_id
LEFT JOIN catalog_span AS c
  ON c.med_list_codg = f.med_list_codg
 AND CAST(f.fee_ocur_time AS DATE) BETWEEN c.span_begin AND c.span_end;

-- Indication restrictions (限适应症) one prefix per row, for an equi-join on the catalogue row.
CREATE OR REPLACE TEMP TABLE catalog_dise AS
SELECT med_list_codg, span_begin, upper(trim(prefix)) AS prefix
FROM (SELECT med_list_codg, span_begin, unnest(string_split(lmt_dise, ';')) AS prefix
      FROM catalog_span WHERE lmt_dise IS NOT NULL) AS x
WHERE trim(prefix) <> '';
