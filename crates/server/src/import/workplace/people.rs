//! People (members pages and the employee list) and groups with their
//! admins and members.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use commons_protocol::{Group, GroupRole, Membership, Privacy};

use super::employees::{self, Employee};
use super::export::{self, Member, WorkplaceGroup};
use super::{ImportError, Importer, Kind};
use crate::db::changes::{ChangeKind, NewChange};
use crate::db::{self, now_millis};
use crate::hub::Audience;
use crate::ops::users::PreparedUser;
use crate::ops::{self, validate};

/// A person to import, from the members pages, the employee list or both.
struct Person {
    member: Member,
    file: PathBuf,
}

/// Creates everyone not yet imported, then sets managers.
pub(super) async fn import_people(imp: &mut Importer<'_>) -> Result<(), ImportError> {
    let people = read_people(imp);
    for person in &people {
        import_person(imp, person).await?;
    }
    for person in &people {
        set_manager(imp, person).await?;
    }
    imp.commit().await?;
    let user_ids: Vec<String> = imp.ids[&Kind::Member].values().cloned().collect();
    let mut conn = imp.db.pool().acquire().await.map_err(db::DbError::from)?;
    for user in db::users::load(&mut conn, &user_ids).await? {
        imp.handles.insert(user.id, user.handle);
    }
    Ok(())
}

/// The members pages, completed (and extended) by the employee list, which
/// matches members by e-mail. A person only in the list is known by their
/// e-mail (`email:...`) or employee id.
fn read_people(imp: &mut Importer<'_>) -> Vec<Person> {
    let mut people: Vec<Person> = Vec::new();
    for file in imp.layout.member_pages.clone() {
        let entries = match export::read_page(&file) {
            Ok(entries) => entries,
            Err(reason) => {
                imp.unreadable(Kind::Member, &file, reason);
                continue;
            }
        };
        imp.files_read += 1;
        for entry in entries {
            match export::parse::<Member>(entry) {
                Ok(member) => people.push(Person {
                    member,
                    file: file.clone(),
                }),
                Err((id, reason)) => imp.skip(Kind::Member, &file, &id, reason),
            }
        }
    }
    let Some(file) = imp.layout.employee_list.clone() else {
        return people;
    };
    let rows = match employees::read(&file) {
        Ok(rows) => rows,
        Err(reason) => {
            imp.unreadable(Kind::Member, &file, reason);
            return people;
        }
    };
    imp.files_read += 1;
    let mut by_email: HashMap<String, usize> = people
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((p.member.email.as_deref()?.to_lowercase(), i)))
        .collect();
    let mut managers = Vec::new();
    for row in rows {
        let email = row.email.to_lowercase();
        if email.is_empty() {
            imp.skip(Kind::Member, &file, &row.employee_id, "no e-mail address");
            continue;
        }
        let index = match by_email.get(&email) {
            Some(&i) => i,
            None => {
                people.push(Person {
                    member: Member {
                        id: format!("email:{email}"),
                        name: row.name.clone(),
                        email: Some(email.clone()),
                        title: None,
                        department: None,
                        employee_number: None,
                        manager: None,
                    },
                    file: file.clone(),
                });
                by_email.insert(email, people.len() - 1);
                people.len() - 1
            }
        };
        let member = &mut people[index].member;
        fill(&mut member.title, &row.title);
        fill(&mut member.department, &row.department);
        fill(&mut member.employee_number, &row.employee_id);
        managers.push((index, row));
    }
    // Managers last: they may come later in the list.
    for (index, row) in managers {
        if row.manager.is_empty() || people[index].member.manager.is_some() {
            continue;
        }
        if let Some(manager_id) = find_manager(&people, &row) {
            people[index].member.manager = Some(export::Ref {
                id: manager_id,
                name: row.manager.clone(),
            });
        }
    }
    people
}

fn fill(field: &mut Option<String>, value: &str) {
    if field.as_deref().is_none_or(str::is_empty) && !value.is_empty() {
        *field = Some(value.to_string());
    }
}

/// The Workplace id of the manager a row names by e-mail, employee id or name.
fn find_manager(people: &[Person], row: &Employee) -> Option<String> {
    let named = row.manager.to_lowercase();
    people
        .iter()
        .find(|p| {
            p.member.email.as_deref().map(str::to_lowercase).as_deref() == Some(&named)
                || p.member.employee_number.as_deref() == Some(row.manager.as_str())
        })
        .or_else(|| {
            people
                .iter()
                .find(|p| p.member.name.to_lowercase() == named)
        })
        .map(|p| p.member.id.clone())
}

async fn import_person(imp: &mut Importer<'_>, person: &Person) -> Result<(), ImportError> {
    let member = &person.member;
    if imp.commons_id(Kind::Member, &member.id).is_some() {
        imp.summary.already_there(Kind::Member);
        return Ok(());
    }
    let Some(email) = member.email.as_deref().filter(|e| !e.trim().is_empty()) else {
        imp.skip(Kind::Member, &person.file, &member.id, "no e-mail address");
        return Ok(());
    };
    let prepared = match PreparedUser::without_password(email, &member.name) {
        Ok(prepared) => prepared,
        Err(e) => {
            imp.skip(Kind::Member, &person.file, &member.id, e.to_string());
            return Ok(());
        }
    };
    let w = imp.write().await?;
    // Someone already here (an admin who created their account first) is
    // the same person: their content joins their account.
    let existing = db::users::find_by_email(w.conn(), &email.trim().to_lowercase()).await?;
    let user_id = match existing {
        Some(user) => {
            imp.summary.already_there(Kind::Member);
            user.id
        }
        None => {
            let user = ops::users::insert(w, &prepared).await?;
            let title = member.title.as_deref().unwrap_or_default();
            let department = member.department.as_deref().unwrap_or_default();
            db::imports::set_profile(w.conn(), &user.id, title.trim(), department.trim()).await?;
            imp.summary.created(Kind::Member);
            user.id
        }
    };
    imp.map(Kind::Member, &member.id, &user_id).await?;
    imp.wrote(4).await
}

/// Sets the manager Workplace names, when both are here and the person has
/// none yet (one chosen in Commons since is kept).
async fn set_manager(imp: &mut Importer<'_>, person: &Person) -> Result<(), ImportError> {
    let Some(manager) = &person.member.manager else {
        return Ok(());
    };
    let (Some(user_id), Some(manager_id)) = (
        imp.commons_id(Kind::Member, &person.member.id)
            .map(str::to_string),
        imp.commons_id(Kind::Member, &manager.id)
            .map(str::to_string),
    ) else {
        return Ok(());
    };
    if user_id == manager_id {
        return Ok(());
    }
    let w = imp.write().await?;
    if db::users::manager_of(w.conn(), &user_id).await?.is_some() {
        return Ok(());
    }
    db::imports::set_manager(w.conn(), &user_id, &manager_id).await?;
    w.append(NewChange {
        kind: ChangeKind::User,
        entity_id: &user_id,
        group_id: None,
        user_id: None,
    })
    .await?;
    w.notify(Audience::Everyone);
    imp.wrote(2).await
}

/// Creates the groups not yet imported and adds the memberships missing;
/// answers the imported groups (Workplace id, Commons id) in file order.
pub(super) async fn import_groups(
    imp: &mut Importer<'_>,
) -> Result<Vec<(String, String)>, ImportError> {
    let mut imported = Vec::new();
    for file in imp.layout.group_pages.clone() {
        let entries = match export::read_page(&file) {
            Ok(entries) => entries,
            Err(reason) => {
                imp.unreadable(Kind::Group, &file, reason);
                continue;
            }
        };
        imp.files_read += 1;
        for entry in entries {
            let group = match export::parse::<WorkplaceGroup>(entry) {
                Ok(group) => group,
                Err((id, reason)) => {
                    imp.skip(Kind::Group, &file, &id, reason);
                    continue;
                }
            };
            if let Some(group_id) = import_group(imp, &file, &group).await? {
                add_members(imp, &file, &group, &group_id).await?;
                imported.push((group.id.clone(), group_id));
            }
        }
    }
    imp.commit().await?;
    Ok(imported)
}

async fn import_group(
    imp: &mut Importer<'_>,
    file: &std::path::Path,
    source: &WorkplaceGroup,
) -> Result<Option<String>, ImportError> {
    if let Some(id) = imp.commons_id(Kind::Group, &source.id).map(str::to_string) {
        imp.summary.already_there(Kind::Group);
        return Ok(Some(id));
    }
    let privacy = match source.privacy.to_ascii_uppercase().as_str() {
        "OPEN" => Privacy::Open,
        "CLOSED" => Privacy::Closed,
        "SECRET" => Privacy::Secret,
        other => {
            let reason = format!("unknown privacy {other:?} (expected OPEN, CLOSED or SECRET)");
            imp.skip(Kind::Group, file, &source.id, reason);
            return Ok(None);
        }
    };
    let checked = validate::group_name(&source.name).and_then(|name| {
        validate::description(source.description.as_deref().unwrap_or_default())
            .map(|description| (name, description))
    });
    let (name, description) = match checked {
        Ok(checked) => checked,
        Err(e) => {
            imp.skip(Kind::Group, file, &source.id, e.to_string());
            return Ok(None);
        }
    };
    let creator = source
        .admins
        .data
        .iter()
        .chain(&source.members.data)
        .find_map(|r| imp.commons_id(Kind::Member, &r.id))
        .map(str::to_string);
    let Some(created_by) = creator else {
        let reason = "none of its admins or members is among the people imported";
        imp.skip(Kind::Group, file, &source.id, reason);
        return Ok(None);
    };
    let group = Group {
        id: uuid::Uuid::now_v7().to_string(),
        name,
        description,
        privacy,
        is_default: false,
        created_by,
        created_at: now_millis(),
        cover_id: None,
    };
    let w = imp.write().await?;
    db::groups::insert(w.conn(), &group).await?;
    ops::groups::append_group_change(w, &group).await?;
    imp.map(Kind::Group, &source.id, &group.id).await?;
    imp.summary.created(Kind::Group);
    imp.wrote(3).await?;
    Ok(Some(group.id))
}

/// Admins (as admins) and members not yet in the group.
async fn add_members(
    imp: &mut Importer<'_>,
    file: &std::path::Path,
    source: &WorkplaceGroup,
    group_id: &str,
) -> Result<(), ImportError> {
    let mut done = HashSet::new();
    let admins = source.admins.data.iter().map(|r| (r, GroupRole::Admin));
    let members = source.members.data.iter().map(|r| (r, GroupRole::Member));
    for (person, role) in admins.chain(members) {
        if !done.insert(person.id.clone()) {
            continue;
        }
        let Some(user_id) = imp.commons_id(Kind::Member, &person.id).map(str::to_string) else {
            let reason = format!(
                "{} ({}) is not among the people imported",
                person.id, person.name
            );
            imp.skip(Kind::Membership, file, &source.id, reason);
            continue;
        };
        let w = imp.write().await?;
        if db::groups::membership(w.conn(), group_id, &user_id)
            .await?
            .is_some()
        {
            imp.summary.already_there(Kind::Membership);
            continue;
        }
        let membership = Membership {
            group_id: group_id.to_string(),
            user_id,
            role,
            joined_at: now_millis(),
        };
        ops::groups::insert_membership(w, &membership).await?;
        imp.summary.created(Kind::Membership);
        imp.wrote(2).await?;
    }
    Ok(())
}
