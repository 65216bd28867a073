// What a TypeScript app writes against the homes API, typed by the client openapi-typescript
// generates from the OpenAPI document. tests/test_typescript_client.py generates
// ./generated/api.d.ts next to a copy of this file and type-checks both with tsc --strict:
// a schema change that would break this code fails there.
import type { components, operations, paths } from "./generated/api";

type Schemas = components["schemas"];
type JsonBody<Operation extends keyof operations> = operations[Operation] extends {
  requestBody?: { content: { "application/json": infer Body } };
}
  ? Body
  : never;
type JsonAnswer<
  Operation extends keyof operations,
  Status extends keyof operations[Operation]["responses"],
> = operations[Operation]["responses"][Status] extends {
  content: { "application/json": infer Answer };
}
  ? Answer
  : never;

export const signup: JsonBody<"auth_signup"> = {
  email: "ada@example.com",
  password: "correct horse battery staple",
  display_name: "Ada Lovelace",
  timezone: "Europe/London",
};

export const newHome: Schemas["HomeCreate"] = {
  name: "Maple Street house",
  address: "12 Maple Street, Springfield",
  home_type: "single_family",
  year_built: 1987,
};

// @ts-expect-error: a home's type is one of those the document lists
export const castle: Schemas["HomeCreate"] = { name: "Castle", home_type: "castle" };

export const newItem: JsonBody<"items_create"> = {
  name: "Furnace",
  manufacturer: "Carrier",
  purchase_price: "3499.90",
  metadata: { fuel_type: "gas", btu_rating: 80000 },
};

export const newTask: paths["/api/v1/homes/{home_id}/tasks"]["post"]["requestBody"]["content"]["application/json"] =
  {
    title: "Change the furnace filter",
    due_date: "2026-01-15",
    recurrence: "monthly",
    recurrence_interval: 3,
  };

export const completion: JsonBody<"task_instances_complete"> = { notes: "Used a MERV 11 filter" };

type InventoryAnswer = JsonAnswer<"homes_inventory", 200>;

export const inventory: InventoryAnswer = {
  home_id: "0b9e3c8e-6f51-4b0e-9a57-1c2f6a3d9e10",
  name: "Maple Street house",
  role: "owner",
  rooms: [
    {
      id: "5f2d7a41-93c0-4c7b-8d1e-2a6b0c9f4e21",
      name: "Basement",
      room_type: "basement",
      floor: -1,
      sort_order: 10,
      items: [
        {
          id: "c3a1e9d2-7b44-4f0a-b6e5-9d8c2f1a7b32",
          name: "Furnace",
          category: "system",
          manufacturer: "Carrier",
          condition: "good",
          warranty_until: "2031-10-02",
          attachment_count: 1,
          photo: {
            side: 256,
            url: "https://files.example.com/5f2d7a41/c3a1e9d2/thumb-256?X-Amz-Signature=0",
          },
        },
      ],
    },
  ],
};

// What the inventory screen shows: each room with the names of its items.
export function roomsWithItems(answer: InventoryAnswer): [string, string[]][] {
  return answer.rooms.map((room) => [room.name, room.items.map((item) => item.name)]);
}

// What the task list shows of the coming occurrences: open ones, with their due dates.
export function openDueDates(occurrences: JsonAnswer<"occurrences_list", 200>): string[] {
  return occurrences.filter((o) => o.status === "pending").map((o) => o.due_date);
}

// @ts-expect-error: the answer has no such field; a typo is caught before it ships
export const misspelled: string = inventory.rooms[0].itmes;
