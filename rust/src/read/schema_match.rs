//! Files of one read whose schemas differ only in how they name list items.
//!
//! Parquet writers name a list's item field `element`, Arrow IPC and JSON readers `item`; the
//! values are the same. A read over such files (say Parquet shards plus a JSON Lines file)
//! keeps the first file's schema and casts the other files' batches to it. Any other
//! difference (a column's name, type or nullability, a struct field's name) stays an error.

use arrow::array::ArrayRef;
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Fields, SchemaRef};
use arrow::record_batch::RecordBatch;

use crate::error::Result;

/// Whether batches of `found` can be cast to `expected` losslessly (see the module doc).
pub fn same_but_list_item_names(expected: &Fields, found: &Fields) -> bool {
    expected.len() == found.len()
        && expected
            .iter()
            .zip(found.iter())
            .all(|(a, b)| same_field(a, b, true))
}

fn same_field(a: &Field, b: &Field, compare_names: bool) -> bool {
    (!compare_names || a.name() == b.name())
        && a.is_nullable() == b.is_nullable()
        && same_type(a.data_type(), b.data_type())
}

fn same_type(expected: &DataType, found: &DataType) -> bool {
    match (expected, found) {
        (DataType::List(x), DataType::List(y))
        | (DataType::LargeList(x), DataType::LargeList(y))
        | (DataType::ListView(x), DataType::ListView(y))
        | (DataType::LargeListView(x), DataType::LargeListView(y)) => same_field(x, y, false),
        (DataType::FixedSizeList(x, width), DataType::FixedSizeList(y, other_width)) => {
            width == other_width && same_field(x, y, false)
        }
        (DataType::Struct(x), DataType::Struct(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(f, g)| same_field(f, g, true))
        }
        _ => expected == found,
    }
}

/// `batch` with `schema`'s field names (every column cast to `schema`'s type).
pub fn recast(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(column, field)| cast(column, field.data_type()))
        .collect::<std::result::Result<Vec<ArrayRef>, _>>()?;
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int64Builder, ListBuilder};
    use arrow::datatypes::Schema;

    use super::*;

    fn list_of_int(item: &str) -> DataType {
        DataType::List(Arc::new(Field::new(item, DataType::Int64, true)))
    }

    fn fields(ty: DataType) -> Fields {
        Fields::from(vec![Field::new("ids", ty, true)])
    }

    #[test]
    fn list_item_names_do_not_matter_column_and_struct_names_do() {
        let parquet = fields(list_of_int("element"));
        assert!(same_but_list_item_names(
            &parquet,
            &fields(list_of_int("item"))
        ));
        assert!(!same_but_list_item_names(
            &parquet,
            &Fields::from(vec![Field::new("other", list_of_int("item"), true)])
        ));
        let role = |name: &str| {
            DataType::Struct(Fields::from(vec![Field::new(name, DataType::Utf8, true)]))
        };
        assert!(!same_but_list_item_names(
            &fields(role("role")),
            &fields(role("content"))
        ));
        assert!(!same_but_list_item_names(
            &parquet,
            &fields(DataType::LargeList(Arc::new(Field::new(
                "item",
                DataType::Int64,
                true
            ))))
        ));
    }

    #[test]
    fn recast_renames_the_item_field_and_keeps_values() {
        let mut builder = ListBuilder::new(Int64Builder::new()).with_field(Arc::new(Field::new(
            "item",
            DataType::Int64,
            true,
        )));
        builder.values().append_value(7);
        builder.append(true);
        let column: ArrayRef = Arc::new(builder.finish());
        let batch = RecordBatch::try_from_iter([("ids", column)]).expect("batch");
        let target = Arc::new(Schema::new(fields(list_of_int("element"))));
        let cast = recast(&batch, &target).expect("recast");
        assert_eq!(cast.schema(), target);
        assert_eq!(cast.num_rows(), 1);
    }
}
