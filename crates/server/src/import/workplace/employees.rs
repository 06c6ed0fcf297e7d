//! The employee list of Workplace's admin panel, as a spreadsheet (XLSX) or
//! CSV: one row per person with a header row naming the columns (name,
//! e-mail, employee id, title, department, manager). Column names are matched
//! loosely ("Email", "E-mail address", "Job title"...); the manager is named
//! by e-mail, employee id or name.

use std::path::Path;

use calamine::{open_workbook_auto, Reader};

/// One row of the list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Employee {
    pub name: String,
    pub email: String,
    pub employee_id: String,
    pub title: String,
    pub department: String,
    pub manager: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Email,
    EmployeeId,
    Title,
    Department,
    Manager,
}

fn column_of(header: &str) -> Option<Column> {
    let h: String = header
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    Some(match h.as_str() {
        "name" | "fullname" | "displayname" => Column::Name,
        "email" | "emailaddress" | "workemail" => Column::Email,
        "employeeid" | "employeenumber" | "employeeno" => Column::EmployeeId,
        "title" | "jobtitle" | "position" => Column::Title,
        "department" => Column::Department,
        "manager" | "manageremail" | "managerid" | "managername" => Column::Manager,
        _ => return None,
    })
}

/// The rows of the list; Err says why it cannot be read.
pub fn read(path: &Path) -> Result<Vec<Employee>, String> {
    let is_xlsx = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let rows = if is_xlsx {
        read_xlsx(path)?
    } else {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))?;
        parse_csv(&text)
    };
    let mut rows = rows.into_iter();
    let header = rows.next().ok_or("it is empty")?;
    let columns: Vec<Option<Column>> = header.iter().map(|h| column_of(h)).collect();
    if !columns.contains(&Some(Column::Email)) {
        return Err("no e-mail column in its first row".into());
    }
    Ok(rows
        .filter(|row| row.iter().any(|cell| !cell.trim().is_empty()))
        .map(|row| {
            let mut employee = Employee::default();
            for (cell, column) in row.iter().zip(&columns) {
                let value = cell.trim().to_string();
                match column {
                    Some(Column::Name) => employee.name = value,
                    Some(Column::Email) => employee.email = value,
                    Some(Column::EmployeeId) => employee.employee_id = value,
                    Some(Column::Title) => employee.title = value,
                    Some(Column::Department) => employee.department = value,
                    Some(Column::Manager) => employee.manager = value,
                    None => {}
                }
            }
            employee
        })
        .collect())
}

fn read_xlsx(path: &Path) -> Result<Vec<Vec<String>>, String> {
    let mut workbook =
        open_workbook_auto(path).map_err(|e| format!("not a readable spreadsheet: {e}"))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or("the spreadsheet has no sheet")?
        .map_err(|e| format!("cannot read its first sheet: {e}"))?;
    Ok(range
        .rows()
        .map(|row| row.iter().map(ToString::to_string).collect())
        .collect())
}

/// RFC 4180: fields separated by commas, optionally in double quotes (a
/// doubled quote inside is one quote), records by CRLF or LF.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_may_be_quoted() {
        let rows =
            parse_csv("Name,Email\r\n\"Lovelace, Ada\",ada@example.org\n\"say \"\"hi\"\"\",x\n");
        assert_eq!(
            rows,
            vec![
                vec!["Name".to_string(), "Email".to_string()],
                vec!["Lovelace, Ada".to_string(), "ada@example.org".to_string()],
                vec!["say \"hi\"".to_string(), "x".to_string()],
            ]
        );
    }

    #[test]
    fn xlsx_lists_are_read_from_their_first_sheet() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/workplace-employees.xlsx");
        let rows = read(&path).expect("the spreadsheet reads");
        assert_eq!(
            rows,
            vec![
                Employee {
                    name: "Ada Lovelace".into(),
                    email: "ada@example.org".into(),
                    employee_id: "E001".into(),
                    title: "Chief Analyst".into(),
                    department: "Engineering".into(),
                    manager: String::new(),
                },
                Employee {
                    name: "Grace Hopper".into(),
                    email: "grace@example.org".into(),
                    employee_id: "E002".into(),
                    title: "Rear Admiral".into(),
                    department: "Compilers".into(),
                    manager: "E001".into(),
                },
            ]
        );
        let not_a_spreadsheet = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/workplace-sample/members.json");
        let renamed = std::env::temp_dir().join(format!("not-{}.xlsx", std::process::id()));
        std::fs::copy(not_a_spreadsheet, &renamed).expect("copy");
        let refused = read(&renamed);
        std::fs::remove_file(&renamed).ok();
        assert!(refused.is_err_and(|e| e.contains("not a readable spreadsheet")));
    }

    #[test]
    fn columns_are_matched_loosely() {
        assert!(column_of("E-mail Address") == Some(Column::Email));
        assert!(column_of("Job Title") == Some(Column::Title));
        assert!(column_of("Employee ID") == Some(Column::EmployeeId));
        assert!(column_of("Shoe size").is_none());
    }
}
