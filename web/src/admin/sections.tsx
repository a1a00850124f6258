/**
 * The administration screens (issue 13), one entry each: `#/admin/<key>`. The admin's
 * "administration" tab opens the list; a coordinator sees the sections that are theirs.
 */
import type { ComponentType } from "preact";
import type { Key } from "../i18n";
import type { Me } from "../state";
import { AuditLog } from "./audit/AuditLog";
import { Import } from "./import/Import";
import { People } from "./people/People";
import { Categories } from "./reference/Categories";
import { Holidays } from "./reference/Holidays";
import { Offices } from "./reference/Offices";
import { RoutingRules } from "./reference/RoutingRules";

export interface AdminSection {
  key: string;
  title: Key;
  /** Who may open it (the API refuses the others anyway). */
  roles: string[];
  Screen: ComponentType<{ me: Me; query: string }>;
}

export const SECTIONS: AdminSection[] = [
  { key: "people", title: "people", roles: ["ADMIN", "COORDINATOR"], Screen: People },
  { key: "audit", title: "auditLog", roles: ["ADMIN"], Screen: AuditLog },
  // issue 13: bulk onboarding
  { key: "import", title: "importTitle", roles: ["ADMIN", "COORDINATOR"], Screen: Import },
  // issue 13: reference data
  { key: "routing", title: "refRouting", roles: ["ADMIN"], Screen: RoutingRules },
  { key: "categories", title: "refCategories", roles: ["ADMIN"], Screen: Categories },
  { key: "offices", title: "refOffices", roles: ["ADMIN"], Screen: Offices },
  { key: "holidays", title: "refHolidays", roles: ["ADMIN"], Screen: Holidays },
];
