/** The desk's outreach screens (coordinators, officers, supervisors, mentors) load when first
 * opened: a volunteer's phone never runs them. */
import { useEffect, useState } from "preact/hooks";
import type { ComponentType } from "preact";
import { Loading } from "../components";
import type { Me } from "../state";

export interface DeskProps { me: Me; section: string; part: string; query: string }
let loaded: ComponentType<DeskProps> | null = null;

export function DeskOutreachScreen(props: DeskProps) {
  const [Screen, setScreen] = useState<ComponentType<DeskProps> | null>(() => loaded);
  useEffect(() => {
    if (!Screen) void import("./Desk").then((m) => { loaded = m.DeskOutreach; setScreen(() => m.DeskOutreach); });
  }, []);
  return Screen ? <Screen {...props} /> : <Loading />;
}
