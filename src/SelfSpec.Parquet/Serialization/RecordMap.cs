using System.Collections;
using System.Reflection;
using System.Text;
using SelfSpec.Parquet.Data;
using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Schema;
using SelfSpec.Parquet.Values;

namespace SelfSpec.Parquet.Serialization;

/// <summary>How one property maps to one top-level column.</summary>
internal sealed class PropertyMap
{
    public required PropertyInfo Property { get; init; }
    public required ParquetField Field { get; init; }
    public required Type ValueType { get; init; } // element type for lists, underlying type for nullables
    public Type? ListType { get; init; }

    /// <summary>Creates an empty <c>List&lt;element&gt;</c> for list properties.</summary>
    public Func<System.Collections.IList>? NewList { get; init; }
    public required Action<object, ColumnBuilder> Append { get; init; }

    public string Describe() => $"{Property.DeclaringType!.Name}.{Property.Name} ({Property.PropertyType.Name} → {Field})";
}

/// <summary>The schema of a record type and the code to move its values in and out of columns.</summary>
internal sealed class RecordMap
{
    private static readonly Dictionary<Type, RecordMap> Cache = [];
    private static readonly NullabilityInfoContext Nullability = new();

    public required Type Type { get; init; }
    public required List<PropertyMap> Properties { get; init; }
    public required ParquetSchema Schema { get; init; }
    public ConstructorInfo? Constructor { get; init; }
    public int[]? ConstructorOrder { get; init; }

    /// <summary>Creates a record from values in property order (compiled once per type).</summary>
    public Func<object?[], object> Factory => _factory ??= CompileFactory();
    private Func<object?[], object>? _factory;

    private Func<object?[], object> CompileFactory()
    {
        var values = System.Linq.Expressions.Expression.Parameter(typeof(object?[]), "values");
        System.Linq.Expressions.Expression Arg(int property) => System.Linq.Expressions.Expression.Convert(
            System.Linq.Expressions.Expression.ArrayIndex(values, System.Linq.Expressions.Expression.Constant(property)), Properties[property].Property.PropertyType);
        System.Linq.Expressions.Expression body;
        if (Constructor != null)
        {
            var ps = Constructor.GetParameters();
            body = System.Linq.Expressions.Expression.New(Constructor, ps.Select((p, i) =>
                System.Linq.Expressions.Expression.Convert(System.Linq.Expressions.Expression.ArrayIndex(values, System.Linq.Expressions.Expression.Constant(ConstructorOrder![i])), p.ParameterType)));
        }
        else
        {
            body = System.Linq.Expressions.Expression.MemberInit(System.Linq.Expressions.Expression.New(Type),
                Properties.Select((p, i) => (System.Linq.Expressions.MemberBinding)System.Linq.Expressions.Expression.Bind(p.Property, Arg(i))));
        }
        return System.Linq.Expressions.Expression.Lambda<Func<object?[], object>>(System.Linq.Expressions.Expression.Convert(body, typeof(object)), values).Compile();
    }

    public static RecordMap For(Type type)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(type, out var map)) Cache[type] = map = Build(type);
            return map;
        }
    }

    private static RecordMap Build(Type type)
    {
        var props = new List<PropertyMap>();
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken))
        {
            if (p.GetIndexParameters().Length > 0 || !p.CanRead || p.GetCustomAttribute<ParquetIgnoreAttribute>() != null) continue;
            if (p.Name == "EqualityContract") continue;
            var name = p.GetCustomAttribute<ParquetColumnAttribute>()?.Name ?? SnakeCase(p.Name);
            var info = Nullability.Create(p);
            props.Add(MapProperty(type, p, name, info));
        }
        if (props.Count == 0) throw new ArgumentException($"{type.Name} has no public readable properties to store");
        var schema = new ParquetSchema(props.Select(p => p.Field).ToList());

        // Prefer a constructor whose parameters are exactly the properties (positional records).
        ConstructorInfo? ctor = null;
        int[]? order = null;
        foreach (var c in type.GetConstructors().OrderByDescending(c => c.GetParameters().Length))
        {
            var ps = c.GetParameters();
            if (ps.Length == 0) continue;
            var idx = ps.Select(pp => props.FindIndex(m => string.Equals(m.Property.Name, pp.Name, StringComparison.OrdinalIgnoreCase))).ToArray();
            if (idx.All(i => i >= 0) && ps.Length == props.Count) { ctor = c; order = idx; break; }
        }
        if (ctor == null && type.GetConstructor(Type.EmptyTypes) == null && !type.IsValueType)
            throw new ArgumentException($"{type.Name} needs a constructor taking every stored property, or a parameterless constructor");
        if (ctor == null && props.Any(p => !p.Property.CanWrite))
            throw new ArgumentException($"{type.Name}: property {props.First(p => !p.Property.CanWrite).Property.Name} has no setter and no constructor takes it");
        return new RecordMap { Type = type, Properties = props, Schema = schema, Constructor = ctor, ConstructorOrder = order };
    }

    internal static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var prevLower = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var nextLower = i > 0 && i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]);
                if (prevLower || nextLower) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private static PropertyMap MapProperty(Type owner, PropertyInfo p, string name, NullabilityInfo info)
    {
        var t = p.PropertyType;
        var elementType = ListElementType(t);
        if (elementType != null)
        {
            var elementInfo = t.IsArray ? info.ElementType! : info.GenericTypeArguments[0];
            var (et, pt, elementNullable) = Scalar(owner, p, elementType, elementInfo);
            var field = ParquetField.List(name, pt, nullable: info.ReadState != NullabilityState.NotNull, elementNullable: elementNullable);
            var getter = CompileGetter(p);
            var add = ElementAdder(et);
            var clrElement = t.IsArray ? t.GetElementType()! : t.GetGenericArguments()[0];
            var listCtor = typeof(List<>).MakeGenericType(clrElement).GetConstructor(Type.EmptyTypes)!;
            var newList = System.Linq.Expressions.Expression.Lambda<Func<System.Collections.IList>>(
                System.Linq.Expressions.Expression.Convert(System.Linq.Expressions.Expression.New(listCtor), typeof(System.Collections.IList))).Compile();
            return new PropertyMap
            {
                Property = p, Field = field, ValueType = et, ListType = t, NewList = newList,
                Append = (o, b) =>
                {
                    if (getter(o) is not IEnumerable list) { b.AddNull(); return; }
                    b.BeginList();
                    foreach (var e in list)
                    {
                        if (e == null) b.AddNull();
                        else add(b, e);
                    }
                    b.EndList();
                },
            };
        }
        else
        {
            var (et, pt, nullable) = Scalar(owner, p, t, info);
            var getter = CompileGetter(p);
            var add = ElementAdder(et);
            return new PropertyMap
            {
                Property = p, Field = new ParquetField(name, pt, nullable), ValueType = et,
                Append = (o, b) =>
                {
                    var v = getter(o);
                    if (v == null) b.AddNull();
                    else add(b, v);
                },
            };
        }
    }

    private static Func<object, object?> CompileGetter(PropertyInfo p)
    {
        var o = System.Linq.Expressions.Expression.Parameter(typeof(object), "o");
        var body = System.Linq.Expressions.Expression.Convert(
            System.Linq.Expressions.Expression.Property(System.Linq.Expressions.Expression.Convert(o, p.DeclaringType!), p), typeof(object));
        return System.Linq.Expressions.Expression.Lambda<Func<object, object?>>(body, o).Compile();
    }

    private static Type? ListElementType(Type t)
    {
        if (t == typeof(string) || t == typeof(byte[])) return null;
        if (t.IsArray) return t.GetElementType();
        if (t.IsGenericType)
        {
            var d = t.GetGenericTypeDefinition();
            if (d == typeof(List<>) || d == typeof(IList<>) || d == typeof(IReadOnlyList<>) || d == typeof(IEnumerable<>) || d == typeof(ICollection<>) || d == typeof(IReadOnlyCollection<>))
                return t.GetGenericArguments()[0];
        }
        return null;
    }

    private static (Type, ParquetType, bool) Scalar(Type owner, PropertyInfo p, Type t, NullabilityInfo info)
    {
        var under = Nullable.GetUnderlyingType(t);
        var nullable = under != null || (!t.IsValueType && info.ReadState != NullabilityState.NotNull);
        var vt = under ?? t;
        ParquetType pt;
        if (vt == typeof(bool)) pt = ParquetType.Boolean;
        else if (vt == typeof(int)) pt = ParquetType.Int32;
        else if (vt == typeof(long)) pt = ParquetType.Int64;
        else if (vt == typeof(float)) pt = ParquetType.Float;
        else if (vt == typeof(double)) pt = ParquetType.Double;
        else if (vt == typeof(string)) pt = ParquetType.String;
        else if (vt == typeof(byte[])) pt = ParquetType.Binary;
        else if (vt == typeof(DateOnly)) pt = ParquetType.Date;
        else if (vt == typeof(DateTime) || vt == typeof(DateTimeOffset)) pt = ParquetType.Timestamp;
        else if (vt.IsEnum) pt = ParquetType.String;
        else throw new NotSupportedException($"{owner.Name}.{p.Name}: type {t.Name} cannot be stored in Parquet (supported: bool, int, long, float, double, string, byte[], DateOnly, DateTime, DateTimeOffset, enums (stored by name), their nullables, and lists/arrays of them)");
        return (vt, pt, nullable);
    }

    private static Action<ColumnBuilder, object> ElementAdder(Type t)
    {
        if (t == typeof(bool)) return (b, v) => b.AddBoolean((bool)v);
        if (t == typeof(int)) return (b, v) => b.AddInt32((int)v);
        if (t == typeof(long)) return (b, v) => b.AddInt64((long)v);
        if (t == typeof(float)) return (b, v) => b.AddFloat((float)v);
        if (t == typeof(double)) return (b, v) => b.AddDouble((double)v);
        if (t == typeof(string)) return (b, v) => b.AddString((string)v);
        if (t == typeof(byte[])) return (b, v) => b.AddBytes((byte[])v);
        if (t == typeof(DateOnly)) return (b, v) => b.AddDate((DateOnly)v);
        if (t == typeof(DateTime)) return (b, v) => b.AddTimestamp((DateTime)v);
        if (t.IsEnum) return (b, v) => b.AddString(v.ToString());
        return (b, v) => b.AddTimestamp((DateTimeOffset)v);
    }

    /// <summary>Whether a file column can be read into a property of this map, and how to convert a stored value.</summary>
    public static Func<ColumnData, int, object>? Reader(PropertyMap prop, ColumnDescriptor col)
    {
        var lt = col.LogicalType?.Kind;
        var t = prop.ValueType;
        switch (col.PhysicalType)
        {
            case PhysicalType.Boolean when t == typeof(bool): return (d, i) => d.Booleans![i];
            case PhysicalType.Int32 when t == typeof(int) && lt is null or LogicalTypeKind.Integer: return (d, i) => d.Int32s![i];
            case PhysicalType.Int32 when t == typeof(long) && lt is null or LogicalTypeKind.Integer: return (d, i) => (long)d.Int32s![i];
            case PhysicalType.Int32 when t == typeof(DateOnly) && lt == LogicalTypeKind.Date: return (d, i) => DateOnly.FromDayNumber(d.Int32s![i] + ColumnBuilder.UnixEpochDayNumber);
            case PhysicalType.Int64 when t == typeof(long) && lt is null or LogicalTypeKind.Integer: return (d, i) => d.Int64s![i];
            case PhysicalType.Int64 when (t == typeof(DateTime) || t == typeof(DateTimeOffset)) && lt == LogicalTypeKind.Timestamp:
            {
                var unit = col.LogicalType!.Unit;
                var utc = col.LogicalType.IsAdjustedToUtc;
                if (t == typeof(DateTime)) return (d, i) => LeafValues.TimestampToDateTime(d.Int64s![i], unit, utc);
                return (d, i) => new DateTimeOffset(DateTime.SpecifyKind(LeafValues.TimestampToDateTime(d.Int64s![i], unit, utc), DateTimeKind.Utc));
            }
            case PhysicalType.Int96 when t == typeof(DateTime): return (d, i) => (DateTime)LeafValues.ToClr(d, i);
            case PhysicalType.Float when t == typeof(float): return (d, i) => d.Floats![i];
            case PhysicalType.Float when t == typeof(double): return (d, i) => (double)d.Floats![i];
            case PhysicalType.Double when t == typeof(double): return (d, i) => d.Doubles![i];
            case PhysicalType.ByteArray when t == typeof(string) && lt is null or LogicalTypeKind.String or LogicalTypeKind.Json or LogicalTypeKind.Enum: return (d, i) => d.GetString(i);
            case PhysicalType.ByteArray when t.IsEnum && lt is null or LogicalTypeKind.String or LogicalTypeKind.Enum:
                return (d, i) =>
                {
                    var text = d.GetString(i);
                    return Enum.TryParse(t, text, ignoreCase: false, out var value) && Enum.IsDefined(t, value!)
                        ? value!
                        : throw new ParquetFormatException($"'{text}' is not a member of {t.Name} (column '{col.DottedPath}', value {i})", kind: ParquetErrorKind.SchemaMismatch);
                };
            case PhysicalType.ByteArray or PhysicalType.FixedLenByteArray when t == typeof(byte[]): return (d, i) => d.GetBytes(i).ToArray();
            default: return null;
        }
    }
}
