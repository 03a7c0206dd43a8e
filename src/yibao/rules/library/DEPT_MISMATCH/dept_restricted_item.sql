-- 限科室: an item allowed only for some departments, charged elsewhere. The restriction is met by
-- the ordering department or the encounter's admission or discharge department, or by an
-- institution category in which the item is paid whatever the department (lmt_inst_type).
-- Lists are `;`-separated and matched as whole codes.
SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg AS prac_code,
       det_item_fee_sumamt AS amount, med_list_codg, item_name, lmt_dept,
       coalesce(bilg_dept_codg, dscg_dept_codg, adm_dept_codg, '无') AS dept
FROM fee_ctx
WHERE lmt_dept IS NOT NULL
  AND NOT coalesce(';' || replace(lmt_dept, ' ', '') || ';' LIKE '%;' || bilg_dept_codg || ';%', FALSE)
  AND NOT coalesce(';' || replace(lmt_dept, ' ', '') || ';' LIKE '%;' || adm_dept_codg || ';%', FALSE)
  AND NOT coalesce(';' || replace(lmt_dept, ' ', '') || ';' LIKE '%;' || dscg_dept_codg || ';%', FALSE)
  AND NOT coalesce(';' || replace(lmt_inst_type, ' ', '') || ';' LIKE '%;' || inst_type || ';%', FALSE)
