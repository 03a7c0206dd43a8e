-- 串换项目: a line that cannot be the item it is settled as.
-- * At a retail pharmacy (fixmedins_type 2), a medical service (catalogue list_type 201): a
--   pharmacy dispenses goods, it performs no service, so the line stands for something else.
-- * Anywhere, a line whose list_type differs from its catalogue row's (e.g. sent as a drug, 101,
--   under a consumable's code): the item was presented as another kind of item.
SELECT f.feedetl_sn, f.mdtrt_id, f.psn_no, f.fixmedins_code, f.bilg_dr_codg AS prac_code,
       f.det_item_fee_sumamt AS amount, f.med_list_codg, coalesce(f.item_name, f.med_list_codg) AS item_name,
       f.list_type, f.cat_list_type,
       CASE WHEN f.fixmedins_type = '2' AND f.cat_list_type = '201'
            THEN '定点零售药店不能提供医疗服务项目'
            ELSE concat('明细目录类别', f.list_type, '与目录登记类别', f.cat_list_type, '不符') END AS reason
FROM fee_ctx AS f
WHERE f.cat_list_type IS NOT NULL
  AND ((f.fixmedins_type = '2' AND f.cat_list_type = '201') OR f.list_type <> f.cat_list_type)
