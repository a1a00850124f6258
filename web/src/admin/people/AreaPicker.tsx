/** Province (admins), district and sub-district, as selects; the value is the deepest chosen. */
import { useState } from "preact/hooks";
import { useQuery } from "../../components";
import { nameOf, t } from "../../i18n";
import { AREAS } from "../../queries";

interface Area { code: string; nameTh: string; nameEn: string }

export function AreaPicker({ province, value, onChange, error }: {
  province: string | null; value: string; onChange: (code: string) => void; error?: string | null;
}) {
  const [chosenProvince, setProvince] = useState(province ?? value.slice(0, 2));
  const district = value.length >= 4 ? value.slice(0, 4) : "";
  const provinces = useQuery<{ areas: Area[] }>(AREAS, { parentCode: "" }, !!province);  // "": the top level
  const districts = useQuery<{ areas: Area[] }>(AREAS, { parentCode: chosenProvince }, !chosenProvince);
  const subdistricts = useQuery<{ areas: Area[] }>(AREAS, { parentCode: district }, !district);
  return (
    <fieldset class="area-picker">
      <legend>{t("area")}</legend>
      {!province && (
        <label>{t("province")}
          <select value={chosenProvince} onChange={(e) => { setProvince(e.currentTarget.value); onChange(e.currentTarget.value); }}>
            <option value="">–</option>
            {(provinces.data?.areas ?? []).map((a) => <option key={a.code} value={a.code}>{nameOf(a)}</option>)}
          </select>
        </label>
      )}
      <label>{t("district")}
        <select value={district} onChange={(e) => onChange(e.currentTarget.value || chosenProvince)}>
          <option value="">{t("chooseDistrict")}</option>
          {(districts.data?.areas ?? []).map((a) => <option key={a.code} value={a.code}>{nameOf(a)}</option>)}
        </select>
      </label>
      <label>{t("subdistrict")}
        <select value={value.length === 6 ? value : ""} disabled={!district}
                aria-invalid={error ? "true" : undefined}
                onChange={(e) => onChange(e.currentTarget.value || district)}>
          <option value="">{t("chooseSubdistrict")}</option>
          {(subdistricts.data?.areas ?? []).map((a) => <option key={a.code} value={a.code}>{nameOf(a)}</option>)}
        </select>
      </label>
      {error && <p class="error" role="alert">{error}</p>}
    </fieldset>
  );
}
