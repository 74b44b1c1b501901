import { assert, assertEquals, assertMatch } from "./support/assert_pods.ts";
import { NS, startPodsHarness } from "./support/pods_harness.ts";
import { makeEvent } from "./support/fake_kube_data.ts";
import { textOf } from "./support/mcp_client.ts";

interface Ev {
  type: string;
  reason: string;
  object: string;
  count: number;
}

Deno.test("events_list folds repeats, newest last, filtered by pod on the server", async () => {
  const h = await startPodsHarness();
  try {
    const result = await h.session.call("events_list", { pod: "crashloop-pod" });
    assert(!result.isError, textOf(result));
    const events = (result.structuredContent as unknown as { events: Ev[] }).events;
    assertEquals(events.map((e) => [e.reason, e.count]), [["Pulled", 1], ["BackOff", 8]]);
    assertEquals(h.kube.requests.at(-1)?.query.fieldSelector, "involvedObject.name=crashloop-pod");
    assertMatch(textOf(result), /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+COUNT\s+MESSAGE/);
    assertMatch(
      textOf(result),
      /3\ds\s+Warning\s+BackOff\s+pod\/crashloop-pod\s+8\s+Back-off restarting/,
    );
  } finally {
    await h.close();
  }
});

Deno.test("events_list keeps warnings first when capped", async () => {
  const h = await startPodsHarness();
  try {
    const data = h.kube.namespaces.get(NS)!;
    for (let i = 0; i < 40; i++) {
      data.events.push(makeEvent(NS, `filler-${i}`, "Normal", "Pulled", `pulled ${i}`, i));
    }
    const result = await h.session.call("events_list", { max: 10 });
    const out = result.structuredContent as unknown as { events: Ev[]; omitted: number };
    assertEquals(out.events.length, 10);
    assertEquals(out.events.filter((e) => e.type === "Warning").length, 3);
    assertEquals(out.omitted, 46 - 10 - 1);
    assertMatch(textOf(result), /older event row\(s\) omitted; warnings were kept first/);
  } finally {
    await h.close();
  }
});
