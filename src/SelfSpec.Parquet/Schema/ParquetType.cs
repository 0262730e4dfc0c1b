namespace SelfSpec.Parquet.Schema;

/// <summary>The value types the writer supports, each mapped to a physical type plus annotation.</summary>
public enum ParquetType
{
    /// <summary>BOOLEAN.</summary>
    Boolean,
    /// <summary>INT32.</summary>
    Int32,
    /// <summary>INT64.</summary>
    Int64,
    /// <summary>FLOAT.</summary>
    Float,
    /// <summary>DOUBLE.</summary>
    Double,
    /// <summary>BYTE_ARRAY annotated STRING (UTF-8).</summary>
    String,
    /// <summary>BYTE_ARRAY without annotation.</summary>
    Binary,
    /// <summary>INT32 annotated DATE (days since 1970-01-01).</summary>
    Date,
    /// <summary>INT64 annotated TIMESTAMP(MICROS, isAdjustedToUTC=true).</summary>
    Timestamp,
}
