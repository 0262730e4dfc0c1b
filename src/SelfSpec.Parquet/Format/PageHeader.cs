using SelfSpec.Parquet.Thrift;

namespace SelfSpec.Parquet.Format;

/// <summary>The header in front of every page.</summary>
internal sealed class PageHeader
{
    public PageType Type;
    public int UncompressedPageSize;
    public int CompressedPageSize;
    public int? Crc;
    public DataPageHeader? DataPage;
    public DictionaryPageHeader? DictionaryPage;
    public DataPageHeaderV2? DataPageV2;

    public static PageHeader Read(ref ThriftCompactReader r)
    {
        var h = new PageHeader();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.I32: h.Type = (PageType)r.ReadI32(); break;
                case 2 when t == ThriftType.I32: h.UncompressedPageSize = r.ReadI32(); break;
                case 3 when t == ThriftType.I32: h.CompressedPageSize = r.ReadI32(); break;
                case 4 when t == ThriftType.I32: h.Crc = r.ReadI32(); break;
                case 5 when t == ThriftType.Struct: h.DataPage = DataPageHeader.Read(ref r); break;
                case 7 when t == ThriftType.Struct: h.DictionaryPage = DictionaryPageHeader.Read(ref r); break;
                case 8 when t == ThriftType.Struct: h.DataPageV2 = DataPageHeaderV2.Read(ref r); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return h;
    }

    public void Write(ThriftCompactWriter w)
    {
        w.BeginStruct();
        w.I32(1, (int)Type);
        w.I32(2, UncompressedPageSize);
        w.I32(3, CompressedPageSize);
        if (Crc != null) w.I32(4, Crc.Value);
        if (DataPage != null)
        {
            w.StructField(5);
            DataPage.Write(w);
        }
        if (DictionaryPage != null)
        {
            w.StructField(7);
            DictionaryPage.Write(w);
        }
        if (DataPageV2 != null)
        {
            w.StructField(8);
            DataPageV2.Write(w);
        }
        w.EndStruct();
    }
}

internal sealed class DataPageHeader
{
    public int NumValues;
    public Encoding Encoding;
    public Encoding DefinitionLevelEncoding = Encoding.Rle;
    public Encoding RepetitionLevelEncoding = Encoding.Rle;
    public Statistics? Statistics;

    public static DataPageHeader Read(ref ThriftCompactReader r)
    {
        var h = new DataPageHeader();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.I32: h.NumValues = r.ReadI32(); break;
                case 2 when t == ThriftType.I32: h.Encoding = (Encoding)r.ReadI32(); break;
                case 3 when t == ThriftType.I32: h.DefinitionLevelEncoding = (Encoding)r.ReadI32(); break;
                case 4 when t == ThriftType.I32: h.RepetitionLevelEncoding = (Encoding)r.ReadI32(); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return h;
    }

    public void Write(ThriftCompactWriter w)
    {
        w.BeginStruct();
        w.I32(1, NumValues);
        w.I32(2, (int)Encoding);
        w.I32(3, (int)DefinitionLevelEncoding);
        w.I32(4, (int)RepetitionLevelEncoding);
        if (Statistics != null)
        {
            w.StructField(5);
            Statistics.Write(w);
        }
        w.EndStruct();
    }
}

internal sealed class DataPageHeaderV2
{
    public int NumValues;
    public int NumNulls;
    public int NumRows;
    public Encoding Encoding;
    public int DefinitionLevelsByteLength;
    public int RepetitionLevelsByteLength;
    public bool IsCompressed = true;

    public static DataPageHeaderV2 Read(ref ThriftCompactReader r)
    {
        var h = new DataPageHeaderV2();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.I32: h.NumValues = r.ReadI32(); break;
                case 2 when t == ThriftType.I32: h.NumNulls = r.ReadI32(); break;
                case 3 when t == ThriftType.I32: h.NumRows = r.ReadI32(); break;
                case 4 when t == ThriftType.I32: h.Encoding = (Encoding)r.ReadI32(); break;
                case 5 when t == ThriftType.I32: h.DefinitionLevelsByteLength = r.ReadI32(); break;
                case 6 when t == ThriftType.I32: h.RepetitionLevelsByteLength = r.ReadI32(); break;
                case 7 when t is ThriftType.BooleanTrue or ThriftType.BooleanFalse: h.IsCompressed = r.ReadBool(t); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return h;
    }

    public void Write(ThriftCompactWriter w)
    {
        w.BeginStruct();
        w.I32(1, NumValues);
        w.I32(2, NumNulls);
        w.I32(3, NumRows);
        w.I32(4, (int)Encoding);
        w.I32(5, DefinitionLevelsByteLength);
        w.I32(6, RepetitionLevelsByteLength);
        w.Bool(7, IsCompressed);
        w.EndStruct();
    }
}

internal sealed class DictionaryPageHeader
{
    public int NumValues;
    public Encoding Encoding;

    public static DictionaryPageHeader Read(ref ThriftCompactReader r)
    {
        var h = new DictionaryPageHeader();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.I32: h.NumValues = r.ReadI32(); break;
                case 2 when t == ThriftType.I32: h.Encoding = (Encoding)r.ReadI32(); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return h;
    }

    public void Write(ThriftCompactWriter w)
    {
        w.BeginStruct();
        w.I32(1, NumValues);
        w.I32(2, (int)Encoding);
        w.EndStruct();
    }
}
