-- 串换药品/项目: the institution's own item code (医药机构目录编码, medins_list_codg) and the
-- national code (med_list_codg) it is settled under should map one to one (目录对照). Two
-- breaks are reported, line by line:
-- * one own code settled under several national codes: the dearer ones (by average billed
--   price; on equal price the less used) are suspect: the own item is the cheap one, billed
--   as something dearer (普通球囊→药物涂层球囊);
-- * one national code reached from several own codes: the less used own codes are suspect (the
--   institution's own item, e.g. a daily good, mapped to a drug's code); when no own code is
--   used more than the others, all are reported, since none can be told to be the usual one.
WITH m AS (
  SELECT fixmedins_code, medins_list_codg AS own_code, med_list_codg AS nat_code, count(*) AS n,
         avg(pric) AS avg_pric
  FROM fee_ctx
  WHERE medins_list_codg IS NOT NULL AND trim(medins_list_codg) <> ''
  GROUP BY fixmedins_code, medins_list_codg, med_list_codg
),
r AS (
  SELECT m.*,
         count(*) OVER (PARTITION BY fixmedins_code, own_code) AS own_nats,
         row_number() OVER (PARTITION BY fixmedins_code, own_code ORDER BY avg_pric, n DESC, nat_code) AS own_rank,
         first_value(nat_code) OVER (PARTITION BY fixmedins_code, own_code
                                     ORDER BY avg_pric, n DESC, nat_code) AS usual_nat,
         count(*) OVER (PARTITION BY fixmedins_code, nat_code) AS nat_owns,
         max(n) OVER (PARTITION BY fixmedins_code, nat_code) AS nat_max_n,
         count(*) OVER (PARTITION BY fixmedins_code, nat_code, n) AS same_n,
         first_value(own_code) OVER (PARTITION BY fixmedins_code, nat_code ORDER BY n DESC, own_code) AS usual_own
  FROM m
),
bad AS (
  SELECT r.*,
         CASE WHEN r.own_rank > 1 THEN 1 ELSE 0 END AS own_conflict,
         CASE WHEN r.nat_owns > 1 AND (r.n < r.nat_max_n OR r.same_n > 1) THEN 1 ELSE 0 END AS nat_conflict
  FROM r
)
SELECT f.feedetl_sn, f.mdtrt_id, f.psn_no, f.fixmedins_code, f.bilg_dr_codg AS prac_code,
       f.det_item_fee_sumamt AS amount, f.med_list_codg, coalesce(f.item_name, f.med_list_codg) AS item_name,
       f.medins_list_codg, b.usual_nat, b.usual_own, b.n, b.own_nats, b.nat_owns,
       CASE WHEN b.own_conflict = 1
            THEN concat('本机构编码', f.medins_list_codg, '平时对照国家编码', b.usual_nat, '，本条却以', f.med_list_codg,
                        '结算（该机构编码共对照', CAST(b.own_nats AS VARCHAR), '个国家编码）')
            WHEN b.n < b.nat_max_n
            THEN concat('国家编码', f.med_list_codg, '在本机构平时由编码', b.usual_own, '对照，本条却来自机构编码',
                        f.medins_list_codg, '（共', CAST(b.nat_owns AS VARCHAR), '个机构编码对照到同一国家编码）')
            ELSE concat('国家编码', f.med_list_codg, '在本机构由', CAST(b.nat_owns AS VARCHAR),
                        '个机构编码对照且用量相同，本条来自机构编码', f.medins_list_codg)
       END AS reason,
       CASE WHEN b.own_conflict = 1 AND b.nat_conflict = 1 THEN 1.0 ELSE 0.8 END AS score
FROM fee_ctx AS f
JOIN bad AS b
  ON b.fixmedins_code = f.fixmedins_code AND b.own_code = f.medins_list_codg AND b.nat_code = f.med_list_codg
WHERE b.own_conflict = 1 OR b.nat_conflict = 1
