// Conditions and update operations the mapper understands beside plain values. They are class
// instances, not plain objects, so a condition can never be mistaken for a value (a UDT or a
// BigDecimal is an object too). The type parameter is a phantom: it makes `q.gt('x')` on a
// number column a compile-time error.

/** Comparison operators of a WHERE or IF condition. */
export type ConditionOperator = '=' | '<' | '<=' | '>' | '>=' | '!=' | 'IN';

/** A condition on one column: one or more comparisons, all of which must hold. */
export class Condition<T> {
  /** @internal Phantom: the column type the condition compares with. */
  declare readonly valueType?: T;
  /** The comparisons, joined with AND. */
  readonly parts: readonly { readonly op: ConditionOperator; readonly value: unknown }[];

  /** @internal Build with the {@link q} helpers. */
  constructor(parts: readonly { readonly op: ConditionOperator; readonly value: unknown }[]) {
    this.parts = parts;
  }
}

/** Kinds of {@link UpdateOperation}. */
export type UpdateOperationKind = 'increment' | 'append' | 'prepend' | 'remove';

/** A change of a column relative to its current value (counters, collections). */
export class UpdateOperation<T> {
  /** @internal Phantom: the column type the operation applies to. */
  declare readonly valueType?: T;

  /** @internal Build with the {@link q} helpers. */
  constructor(
    /** What the operation does. */
    readonly kind: UpdateOperationKind,
    /** The bound operand. */
    readonly value: unknown,
  ) {}
}

/** Element type of a list or set column as read (`T[]`). */
type ElementOf<T> = T extends readonly (infer E)[] ? E : never;

/**
 * Condition and update helpers for mapper operations:
 * `find({ id, ts: q.and(q.gte(from), q.lt(to)) })`, `update({ id, hits: q.incr(1n) })`.
 */
export const q = {
  /** `column = value`. */
  eq: <T>(value: T): Condition<T> => new Condition([{ op: '=', value }]),
  /** `column != value` (IF conditions only). */
  ne: <T>(value: T): Condition<T> => new Condition([{ op: '!=', value }]),
  /** `column < value`. */
  lt: <T>(value: T): Condition<T> => new Condition([{ op: '<', value }]),
  /** `column <= value`. */
  lte: <T>(value: T): Condition<T> => new Condition([{ op: '<=', value }]),
  /** `column > value`. */
  gt: <T>(value: T): Condition<T> => new Condition([{ op: '>', value }]),
  /** `column >= value`. */
  gte: <T>(value: T): Condition<T> => new Condition([{ op: '>=', value }]),
  /** `column IN ?` (the list is one bound value). */
  in: <T>(values: readonly T[]): Condition<T> => new Condition([{ op: 'IN', value: [...values] }]),
  /** Every condition at once, e.g. a range: `q.and(q.gte(a), q.lt(b))`. */
  and: <T>(...conditions: readonly Condition<T>[]): Condition<T> => new Condition(conditions.flatMap((c) => c.parts)),
  /** Counter `column = column + n` (a negative n decrements). */
  incr: (n: bigint | number): UpdateOperation<bigint> => new UpdateOperation('increment', n),
  /** Counter `column = column - n`. */
  decr: (n: bigint | number): UpdateOperation<bigint> => new UpdateOperation('increment', -n),
  /** List or set `column = column + values`. */
  append: <L extends readonly unknown[]>(values: L): UpdateOperation<ElementOf<L>[]> => new UpdateOperation('append', values),
  /** List `column = values + column`. */
  prepend: <L extends readonly unknown[]>(values: L): UpdateOperation<ElementOf<L>[]> => new UpdateOperation('prepend', values),
  /** List or set `column = column - values`. */
  remove: <L extends readonly unknown[]>(values: L): UpdateOperation<ElementOf<L>[]> => new UpdateOperation('remove', values),
} as const;
