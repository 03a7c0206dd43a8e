-- An item that is never paid for some departments (lmt_dept_excl), charged by one of them:
-- the ordering department, or the discharge/admission department when the line has none.
SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg AS prac_code,
       det_item_fee_sumamt AS amount, med_list_codg, item_name, lmt_dept_excl,
       coalesce(bilg_dept_codg, dscg_dept_codg, adm_dept_codg) AS dept
FROM fee_ctx
WHERE lmt_dept_excl IS NOT NULL
  AND coalesce(bilg_dept_codg, dscg_dept_codg, adm_dept_codg) IS NOT NULL
  AND ';' || replace(lmt_dept_excl, ' ', '') || ';' LIKE '%;' || coalesce(bilg_dept_codg, dscg_dept_codg, adm_dept_codg) || ';%'
