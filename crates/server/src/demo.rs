//! `commons-server demo`: fills an empty server with a small organisation,
//! through the same operations the API uses, in one transaction.

use commons_protocol::{
    CreateCommentRequest, CreateGroupRequest, CreatePostRequest, Privacy, UpdateProfileRequest,
    User,
};
use uuid::Uuid;

use crate::db::{self, Database, DbError, Write};
use crate::ops::users::NewUser;
use crate::ops::{self, OpError};

/// Password of every demo account.
pub const DEMO_PASSWORD: &str = "commons-demo";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("this server already has {0} user(s): the demo only fills an empty server")]
    NotEmpty(i64),
    #[error(transparent)]
    Op(#[from] OpError),
}

impl From<DbError> for DemoError {
    fn from(e: DbError) -> Self {
        DemoError::Op(e.into())
    }
}

/// (e-mail, name, organisation admin)
const PEOPLE: [(&str, &str, bool); 4] = [
    ("ada@example.org", "Ada Lovelace", true),
    ("grace@example.org", "Grace Hopper", false),
    ("alan@example.org", "Alan Turing", false),
    ("linus@example.org", "Linus Torvalds", false),
];

/// (title, department, location, manager as an index into PEOPLE, about), as PEOPLE.
type Profile = (
    &'static str,
    &'static str,
    &'static str,
    Option<usize>,
    &'static str,
);
const PROFILES: [Profile; 4] = [
    (
        "Chief Executive Officer",
        "Leadership",
        "London",
        None,
        "Wrote the first program. Now runs the place; ask me about budgets and engines.",
    ),
    (
        "VP Engineering",
        "Engineering",
        "New York",
        Some(0),
        "Compilers, standards and teaching. Found the first actual bug.",
    ),
    (
        "Staff Engineer",
        "Engineering",
        "Manchester",
        Some(1),
        "Build pipeline, scheduling and anything that can be computed.",
    ),
    (
        "Principal Engineer",
        "Platform",
        "Portland",
        Some(1),
        "Kernel, version control and code review. Patches welcome.",
    ),
];

/// Creates the demo organisation; returns its people, Ada (the admin) first.
pub async fn seed(db: &Database) -> Result<Vec<User>, DemoError> {
    let mut prepared = Vec::new();
    for (email, name, is_admin) in PEOPLE {
        prepared.push(
            ops::users::prepare(NewUser {
                email: email.into(),
                name: name.into(),
                password: DEMO_PASSWORD.into(),
                is_admin,
            })
            .await?,
        );
    }
    let mut w = db.write().await?;
    let existing = db::users::count(w.conn()).await?;
    if existing > 0 {
        return Err(DemoError::NotEmpty(existing));
    }
    let mut people = Vec::new();
    for person in &prepared {
        people.push(ops::users::insert(&mut w, person).await?);
    }
    // Profiles, managers before the people who report to them.
    let mut manager_ids: Vec<String> = Vec::new();
    for (person, (title, department, location, manager, about)) in people.iter_mut().zip(PROFILES) {
        let request = UpdateProfileRequest {
            mutation_id: Uuid::now_v7().to_string(),
            title: Some(title.into()),
            department: Some(department.into()),
            location: Some(location.into()),
            manager_id: manager.map(|i: usize| manager_ids[i].clone()),
            about: Some(about.into()),
            ..UpdateProfileRequest::default()
        };
        *person = ops::people::update_profile(&mut w, person, &request).await?;
        manager_ids.push(person.id.clone());
    }
    let [ada, grace, alan, linus] = [&people[0], &people[1], &people[2], &people[3]];
    let everyone = db::groups::default_group(w.conn())
        .await?
        .ok_or_else(|| OpError::Internal("the default group was not created".into()))?;

    let engineering = group(
        &mut w,
        ada,
        "Engineering",
        "Builds, reviews and tools.",
        Privacy::Open,
    )
    .await?;
    let leadership = group(
        &mut w,
        ada,
        "Leadership",
        "Planning and budgets.",
        Privacy::Closed,
    )
    .await?;
    let falcon = group(
        &mut w,
        ada,
        "Project Falcon",
        "Not announced yet.",
        Privacy::Secret,
    )
    .await?;
    for (group_id, member) in [
        (&engineering, grace),
        (&engineering, alan),
        (&leadership, grace),
        (&falcon, alan),
    ] {
        ops::membership::add_member(&mut w, ada, group_id, &member.email).await?;
    }

    let welcome = post(&mut w, ada, &everyone.id,
        "Welcome to Commons, everyone! This is our own place for news, questions and ideas. Say hello below.").await?;
    comment(&mut w, grace, &welcome, "Hello from the compiler team!").await?;
    comment(&mut w, linus, &welcome, "Hi all. Happy to be here.").await?;
    let all_hands = post(&mut w, grace, &everyone.id,
        "Reminder: the all-hands is on Thursday at 10:00 in the main hall. @alan will demo the new build pipeline.").await?;
    comment(&mut w, alan, &all_hands, "Slides are almost ready.").await?;

    let build = post(&mut w, alan, &engineering,
        "The nightly build now takes 12 minutes instead of 40: the test suites run in parallel. Feedback welcome.").await?;
    comment(
        &mut w,
        grace,
        &build,
        "Great work. Can we cache the dependency step too?",
    )
    .await?;
    comment(&mut w, alan, &build, "Yes, that is next on my list.").await?;
    let review = post(&mut w, grace, &engineering,
        "Draft review guideline: small changes, one idea per review, a test with every fix. Thoughts, @ada?").await?;
    comment(
        &mut w,
        ada,
        &review,
        "Agreed. Let's put it in the handbook.",
    )
    .await?;

    let budget = post(&mut w, ada, &leadership,
        "Budget planning for next year starts next week. Please send me your team's priorities by Friday.").await?;
    comment(&mut w, grace, &budget, "Will do.").await?;

    let kickoff = post(&mut w, ada, &falcon,
        "Kick-off for Project Falcon: we are evaluating a new analytical engine. Please keep this confidential for now.").await?;
    comment(
        &mut w,
        alan,
        &kickoff,
        "I have a first prototype of the scheduling module.",
    )
    .await?;

    w.commit().await?;
    Ok(people)
}

async fn group(
    w: &mut Write,
    admin: &User,
    name: &str,
    description: &str,
    privacy: Privacy,
) -> Result<String, DemoError> {
    let request = CreateGroupRequest {
        mutation_id: Uuid::now_v7().to_string(),
        id: Uuid::now_v7().to_string(),
        name: name.into(),
        description: description.into(),
        privacy,
    };
    Ok(ops::groups::create(w, admin, &request).await?.id)
}

async fn post(
    w: &mut Write,
    author: &User,
    group_id: &str,
    body: &str,
) -> Result<String, DemoError> {
    let request = CreatePostRequest {
        mutation_id: Uuid::now_v7().to_string(),
        id: Uuid::now_v7().to_string(),
        group_id: group_id.into(),
        body: body.into(),
        attachment_ids: Vec::new(),
    };
    Ok(ops::posts::create_post(w, author, &request).await?.id)
}

async fn comment(w: &mut Write, author: &User, post_id: &str, body: &str) -> Result<(), DemoError> {
    let request = CreateCommentRequest {
        mutation_id: Uuid::now_v7().to_string(),
        id: Uuid::now_v7().to_string(),
        body: body.into(),
        parent_id: None,
        attachment_ids: Vec::new(),
    };
    ops::posts::create_comment(w, author, post_id, &request).await?;
    Ok(())
}
