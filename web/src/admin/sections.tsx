/**
 * The administration screens (issue 13), one entry each: `#/admin/<key>`. The admin's
 * "administration" tab opens the list; a coordinator sees the sections that are theirs.
 */
import type { ComponentType } from "preact";
import type { Key } from "../i18n";
import type { Me } from "../state";

export interface AdminSection {
  key: string;
  title: Key;
  /** Who may open it (the API refuses the others anyway). */
  roles: string[];
  Screen: ComponentType<{ me: Me; query: string }>;
}

export const SECTIONS: AdminSection[] = [];
