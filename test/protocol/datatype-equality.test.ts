import { describe, expect, it } from 'vitest';
import { DataTypes, sameDataType, type DataType } from '../../protocol/index.js';

describe('sameDataType', () => {
  const udt = (fieldType: DataType, name = 'b'): DataType => DataTypes.udt('ks', 'addr', [{ name: 'a', type: DataTypes.int }, { name, type: fieldType }]);
  const cases: [DataType, DataType, boolean][] = [
    [DataTypes.int, DataTypes.int, true],
    [DataTypes.int, DataTypes.bigint, false],
    [DataTypes.list(DataTypes.text), DataTypes.list(DataTypes.text), true],
    [DataTypes.list(DataTypes.text), DataTypes.set(DataTypes.text), false],
    [DataTypes.map(DataTypes.text, DataTypes.list(DataTypes.int)), DataTypes.map(DataTypes.text, DataTypes.list(DataTypes.int)), true],
    [DataTypes.map(DataTypes.text, DataTypes.int), DataTypes.map(DataTypes.int, DataTypes.int), false],
    [DataTypes.tuple(DataTypes.int, DataTypes.text), DataTypes.tuple(DataTypes.int, DataTypes.text), true],
    [DataTypes.tuple(DataTypes.int, DataTypes.text), DataTypes.tuple(DataTypes.int), false],
    [udt(DataTypes.text), udt(DataTypes.text), true],
    [udt(DataTypes.text), udt(DataTypes.int), false],
    [udt(DataTypes.text), udt(DataTypes.text, 'c'), false],
    [DataTypes.vector(DataTypes.float, 3), DataTypes.vector(DataTypes.float, 3), true],
    [DataTypes.vector(DataTypes.float, 3), DataTypes.vector(DataTypes.float, 4), false],
    [DataTypes.custom('a.B'), DataTypes.custom('a.B'), true],
    [DataTypes.custom('a.B'), DataTypes.custom('a.C'), false],
  ];
  it.each(cases)('%j vs %j → %s', (a, b, same) => {
    expect(sameDataType(a, b)).toBe(same);
    expect(sameDataType(b, a)).toBe(same);
  });
});
