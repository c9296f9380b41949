// The demo storefront's catalogue (CAD): Maple School District's usual products, chosen so
// that the policy has something to say about each.
export const CATALOG = [
  { id: "B00PAPER01", name: "Copier paper, letter, 10 reams", category: "office/paper/copier", supplier: "Grand & Toy", unitPrice: "42.00" },
  { id: "B00PAPER02", name: "Recycled copier paper, 10 reams", category: "office/paper/copier", supplier: "Grand & Toy", unitPrice: "44.50" },
  { id: "B00PAPER05", name: "Economy copier paper, 10 reams", category: "office/paper/copier", supplier: "Paper Depot", unitPrice: "38.00" },
  { id: "B00PAPER09", name: "Premium bright copier paper, 10 reams", category: "office/paper/copier", supplier: "Paper Depot", unitPrice: "49.90" },
  { id: "B0LAPTOP", name: "Laptop 14\", 16 GB", category: "electronics/computers/laptops", supplier: "Dell", unitPrice: "1299.00" },
  { id: "B0PROJECTOR", name: "Classroom projector", category: "electronics/av/projectors", supplier: "Epson", unitPrice: "899.99" },
  { id: "B0MARKERS", name: "Whiteboard markers, pack of 12", category: "office/supplies/markers", supplier: "Staples", unitPrice: "14.50" },
  { id: "B0CHAIR", name: "Stackable student chair", category: "furniture/chairs", supplier: "Virco", unitPrice: "89.00" },
];

// What each budget has spent this month so far (demo data sent with every checkout).
export const SPENT = [
  { budget: "north_supplies", spent: { amount: "4200.00", currency: "CAD" } },
  { budget: "south_supplies", spent: { amount: "2650.00", currency: "CAD" } },
];

export function product(id) {
  return CATALOG.find((p) => p.id === id);
}
